import Foundation
import Mustache

/// Renders the pages from their Mustache templates: the built-in ones, each replaceable by a file
/// `ui/<name>.mustache` in a templates directory. Values are HTML-escaped, so nothing a person typed
/// becomes markup.
struct PageRenderer: Sendable {
    /// Why the templates cannot be used; names the template, never a value.
    struct TemplateError: Error, CustomStringConvertible {
        let description: String
    }

    private let library: MustacheLibrary

    init(templatesDirectory: String?) throws(TemplateError) {
        var library = MustacheLibrary()
        var sources = BuiltInPageTemplates.all
        if let templatesDirectory {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: templatesDirectory, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw TemplateError(description: "the templates directory \(templatesDirectory) does not exist")
            }
            let folder = URL(fileURLWithPath: templatesDirectory).appendingPathComponent("ui", isDirectory: true)
            let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            for file in files.sorted() where file.hasSuffix(".mustache") {
                guard let text = try? String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8) else {
                    throw TemplateError(description: "cannot read the page template \(file)")
                }
                sources[String(file.dropLast(".mustache".count))] = text
            }
        }
        for (name, text) in sources {
            do {
                try library.register(text, named: name)
            } catch {
                throw TemplateError(description: "the page template \(name) does not parse")
            }
        }
        self.library = library
    }

    /// The page `name` inside the layout, with `values` (and `content` set to the page's own HTML).
    func page(_ name: String, values: [String: Any]) -> String {
        var values = values
        values["content"] = library.render(values, withTemplate: name) ?? ""
        return library.render(values, withTemplate: "layout") ?? ""
    }

    /// The stylesheet with the accent colour.
    func stylesheet(accent: String) -> String {
        library.render(["accent": accent], withTemplate: "stylesheet") ?? ""
    }
}
