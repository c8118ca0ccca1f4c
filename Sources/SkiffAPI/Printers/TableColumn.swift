/// One column of a server-side `Table` (meta.k8s.io/v1 TableColumnDefinition).
public struct TableColumn: Sendable, Hashable {
    /// Title-cased as Kubernetes sends it ("Name", "Nominated Node"); kubectl upper-cases it.
    public var name: String
    /// "string", "integer", "number", "boolean" or "date".
    public var type: String
    /// "name" for the column holding the object's name, "" otherwise.
    public var format: String
    public var description: String
    /// 0 for the default columns, 1 for those only `-o wide` shows.
    public var priority: Int

    public init(name: String, type: String, format: String = "", description: String = "", priority: Int = 0) {
        self.name = name
        self.type = type
        self.format = format
        self.description = description
        self.priority = priority
    }

    /// The column as JSON, ready for a Table's `columnDefinitions`.
    public var json: JSONValue {
        .object([
            "name": .string(name), "type": .string(type), "format": .string(format),
            "description": .string(description), "priority": .int(Int64(priority)),
        ])
    }
}
