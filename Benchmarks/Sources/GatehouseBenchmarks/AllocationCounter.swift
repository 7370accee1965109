import CAllocationCounter

/// Heap allocations made by the whole process while a body runs (every thread counts, so nothing
/// else may run meanwhile).
enum AllocationCounter {
    struct Totals {
        var allocations: UInt64
        var bytes: UInt64
    }

    /// Whether allocations are seen at all: the executable's allocator functions must be the ones
    /// the process uses.
    static var isAvailable: Bool { gatehouse_allocation_counter_is_interposed() != 0 }

    static func count(_ body: () async throws -> Void) async rethrows -> Totals {
        gatehouse_allocation_counting_start()
        do {
            try await body()
        } catch {
            _ = gatehouse_allocation_counting_stop()
            throw error
        }
        let totals = gatehouse_allocation_counting_stop()
        return Totals(allocations: totals.allocations, bytes: totals.bytes)
    }
}
