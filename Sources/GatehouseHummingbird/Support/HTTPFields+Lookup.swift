import HTTPTypes

extension HTTPFields {
    /// What `self[name]` reads — the values of every field called `name`, joined — without building
    /// the list and joining it when, as nearly always, there is one field or none. The middleware reads
    /// a few fields of every request and response this way.
    func combinedValue(of name: HTTPField.Name) -> String? {
        var found: String?
        for field in self where field.name == name {
            guard found == nil else { return self[name] }
            found = field.value
        }
        return found
    }

    /// Whether any field is called `name`.
    func contains(_ name: HTTPField.Name) -> Bool {
        contains { $0.name == name }
    }
}
