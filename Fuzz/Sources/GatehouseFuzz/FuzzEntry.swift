import Foundation

#if FUZZING
import CGatehouseFuzz
#endif

/// The fuzzing executable.
///
/// Built by `scripts/fuzz.sh` with `-sanitize=fuzzer -DFUZZING`, it hands control to libFuzzer, which
/// calls ``FuzzInput/run(_:)`` with generated inputs. SwiftPM gives every executable target its own
/// `main`, so the fuzzing build keeps this one and starts libFuzzer through `LLVMFuzzerRunDriver`
/// instead of relying on libFuzzer's `main`. In an ordinary build it replays the files of the given
/// corpus directories (default `Fuzz/corpus` from the repository root, `corpus` from `Fuzz`) once, so
/// the targets stay compiled and runnable without libFuzzer.
@main
struct FuzzEntry {
    static func main() {
        #if FUZZING
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(
            LLVMFuzzerRunDriver(&argc, &argv) { data, size in
                FuzzInput.run(data, size)
                return 0
            }
        )
        #else
        let directories = CommandLine.arguments.count > 1 ? Array(CommandLine.arguments.dropFirst()) : [defaultCorpus]
        do {
            let count = try CorpusReplay.replay(directories: directories)
            print("replayed \(count) inputs without a failure")
        } catch {
            FileHandle.standardError.write(Data("cannot replay the corpus: \(error)\n".utf8))
            exit(1)
        }
        #endif
    }

    /// The committed seeds, from the repository root or from the fuzzing package's own directory.
    static var defaultCorpus: String {
        let files = FileManager.default
        return !files.fileExists(atPath: "Fuzz/corpus") && files.fileExists(atPath: "corpus") ? "corpus" : "Fuzz/corpus"
    }
}

#if FUZZING
/// libFuzzer's own `main` is linked in (and then replaced by ours) and refers to this symbol.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzInput.run(data, size)
    return 0
}
#endif
