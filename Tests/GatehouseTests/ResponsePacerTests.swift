import Testing

@testable import Gatehouse

@Suite("Response pacing of recovery requests")
struct ResponsePacerTests {
    @Test("the typical duration is the median of the recent slow runs, so one slow write does not stretch it")
    func median() {
        let pacer = ResponsePacer()
        #expect(pacer.typical == 0)
        for milliseconds in [5, 1_000, 6, 7, 4] { pacer.recordSlowCase(.milliseconds(milliseconds)) }
        #expect(abs(pacer.typical - 0.006) < 1e-9)
    }

    @Test("only the last 31 runs count, so a change of database or load is followed")
    func shortMemory() {
        let pacer = ResponsePacer()
        for _ in 0..<31 { pacer.recordSlowCase(.milliseconds(50)) }
        #expect(abs(pacer.typical - 0.050) < 1e-9)
        for _ in 0..<16 { pacer.recordSlowCase(.milliseconds(2)) }
        #expect(abs(pacer.typical - 0.002) < 1e-9)
    }

    @Test("a fast case that already took as long as the slow one waits no more")
    func noPaddingWhenLate() async {
        let pacer = ResponsePacer()
        pacer.recordSlowCase(.seconds(30))
        // Would wait 30 s (capped at 1 s) if the elapsed time were ignored; the test would then hang for it.
        await pacer.padFastCase(elapsed: .seconds(31))
        #expect(abs(pacer.typical - 30) < 1e-9)
    }
}
