import Foundation

/// Runs every file of some corpus directories through ``FuzzInput`` once.
enum CorpusReplay {
    struct MissingDirectory: Error, CustomStringConvertible {
        var path: String
        var description: String { "no corpus directory at \(path)" }
    }

    static func replay(directories: [String]) throws -> Int {
        var count = 0
        for directory in directories {
            let url = URL(fileURLWithPath: directory, isDirectory: true)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw MissingDirectory(path: directory)
            }
            let names = try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
            for name in names where !name.hasPrefix(".") {
                let bytes = Array(try Data(contentsOf: url.appendingPathComponent(name)))
                bytes.withUnsafeBufferPointer { FuzzInput.run($0.baseAddress, $0.count) }
                count += 1
            }
        }
        return count
    }
}
