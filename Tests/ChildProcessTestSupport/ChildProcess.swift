import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A child process started with `posix_spawn`, for tests that run scripts, tools and servers.
///
/// Foundation's `Process.run()` on Linux lists `/proc/self/fd` to close the descriptors a child must
/// not inherit, and in Swift 6.3.1 it copies each directory entry's whole name field, reading past the
/// end of `readdir`'s buffer: now and then the test process crashes in it. Here the pipes are made
/// close-on-exec before any other child is started (children are started one at a time), so a child
/// inherits only the three descriptors it is given.
package final class ChildProcess: Sendable {
    /// Where one of the child's standard streams goes.
    package enum Stream: Sendable {
        /// `/dev/null`.
        case null
        /// A pipe, whose other end is this object's ``standardInput``, ``standardOutput`` or ``standardError``.
        case pipe
        /// A file, opened for appending (standard output and error only).
        case file(String)
    }

    package struct SpawnFailure: Error, CustomStringConvertible {
        package var description: String
    }

    /// The child's process id.
    package let pid: pid_t
    /// The write end of the child's standard input, when it is a pipe.
    package let standardInput: FileHandle?
    /// The read end of the child's standard output, when it is a pipe.
    package let standardOutput: FileHandle?
    /// The read end of the child's standard error, when it is a pipe.
    package let standardError: FileHandle?
    /// The raw wait status, once the child has been reaped.
    private let waitStatus = Mutex<Int32?>(nil)

    /// Starts `executable` (a path) with `arguments` and `environment` (this process's when `nil`).
    package init(
        executable: String,
        arguments: [String],
        environment: [String: String]? = nil,
        standardInput: Stream = .null,
        standardOutput: Stream = .null,
        standardError: Stream = .null
    ) throws {
        // Between `pipe` and `fcntl` a new descriptor is inherited by any child started meanwhile.
        let spawned = try Self.spawning.withLock { _ in
            try Self.spawn(executable, arguments, environment, [standardInput, standardOutput, standardError])
        }
        self.pid = spawned.pid
        self.standardInput = spawned.parentEnds[0].map { FileHandle(fileDescriptor: $0, closeOnDealloc: true) }
        self.standardOutput = spawned.parentEnds[1].map { FileHandle(fileDescriptor: $0, closeOnDealloc: true) }
        self.standardError = spawned.parentEnds[2].map { FileHandle(fileDescriptor: $0, closeOnDealloc: true) }
    }

    private static let spawning = Mutex(())

    private static func spawn(
        _ executable: String,
        _ arguments: [String],
        _ environment: [String: String]?,
        _ streams: [Stream]
    ) throws -> (pid: pid_t, parentEnds: [Int32?]) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }

        var parentEnds: [Int32?] = [nil, nil, nil]
        var childEnds: [Int32] = []
        defer { for fd in childEnds { close(fd) } }
        do {
            for (target, stream) in streams.enumerated() {
                let childEnd: Int32
                switch stream {
                case .null:
                    childEnd = open("/dev/null", (target == 0 ? O_RDONLY : O_WRONLY) | O_CLOEXEC)
                case .file(let path):
                    childEnd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
                case .pipe:
                    var fds: [Int32] = [-1, -1]
                    guard pipe(&fds) == 0 else { throw SpawnFailure(description: "pipe: errno \(errno)") }
                    for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
                    // fds[0] reads, fds[1] writes: the child writes its output and reads its input.
                    childEnd = target == 0 ? fds[0] : fds[1]
                    parentEnds[target] = target == 0 ? fds[1] : fds[0]
                }
                guard childEnd >= 0 else { throw SpawnFailure(description: "open for stream \(target): errno \(errno)") }
                childEnds.append(childEnd)
                // dup2 clears close-on-exec on the copy: the child keeps these, and no other child gets them.
                posix_spawn_file_actions_adddup2(&actions, childEnd, Int32(target))
            }
        } catch {
            for case let fd? in parentEnds { close(fd) }
            throw error
        }

        let argv = ([executable] + arguments).map { strdup($0) }
        let environment = environment ?? ProcessInfo.processInfo.environment
        let envp = environment.map { strdup("\($0.key)=\($0.value)") }
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let result = executable.withCString { path in
            posix_spawn(&pid, path, &actions, nil, argv + [nil], envp + [nil])
        }
        guard result == 0 else {
            for case let fd? in parentEnds { close(fd) }
            throw SpawnFailure(description: "posix_spawn \(executable): errno \(result)")
        }
        return (pid, parentEnds)
    }

    /// Whether the child has not exited yet.
    package var isRunning: Bool {
        waitStatus.withLock { status in
            guard status == nil else { return false }
            var raw: Int32 = 0
            guard waitpid(pid, &raw, WNOHANG) == pid else { return true }
            status = raw
            return false
        }
    }

    /// Sends `signal` (SIGTERM by default) to a child that is still running.
    package func terminate(_ signal: Int32 = SIGTERM) {
        if isRunning { kill(pid, signal) }
    }

    /// Blocks until the child exits; returns its exit status, or the number of the signal that ended it.
    @discardableResult
    package func waitUntilExit() -> Int32 {
        // Waits without reaping, then reaps where `isRunning` does, under the lock: whoever reaps the
        // child records its status for everyone.
        var info = siginfo_t()
        while isRunning, waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) == -1, errno == EINTR {}
        _ = isRunning
        let raw = waitStatus.withLock { $0 } ?? 0
        let signal = raw & 0x7f
        return signal == 0 ? (raw >> 8) & 0xff : signal
    }
}
