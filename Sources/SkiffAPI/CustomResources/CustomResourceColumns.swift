import Foundation

/// Table output of custom resources (apiextensions' tableconvertor): a Name column, then the
/// version's `additionalPrinterColumns` (or an Age column when it has none), each cell the
/// value at the column's JSONPath typed as the column says; dates print as ages.
public struct CustomResourceColumns: Sendable, Hashable {
    public struct Column: Sendable, Hashable {
        public var name: String
        public var type: String
        public var format: String
        public var description: String
        public var priority: Int
        public var path: JSONPathExpression
    }

    public var columns: [Column]

    /// From a CRD version's `additionalPrinterColumns` (absent: the default Age column).
    public init(additionalPrinterColumns: [JSONValue]?) {
        guard let specs = additionalPrinterColumns else {
            columns = [Column(name: "Age", type: "date", format: "", description: "", priority: 0,
                              path: JSONPathExpression(".metadata.creationTimestamp"))]
            return
        }
        columns = specs.map { spec in
            Column(name: spec["name"]?.stringValue ?? "", type: spec["type"]?.stringValue ?? "string",
                   format: spec["format"]?.stringValue ?? "", description: spec["description"]?.stringValue ?? "",
                   priority: Int(spec["priority"]?.intValue ?? 0), path: JSONPathExpression(spec["jsonPath"]?.stringValue ?? ""))
        }
    }

    public var tableColumns: [TableColumn] {
        [TableColumn(name: "Name", type: "string", format: "name",
                     description: "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names")]
            + columns.map { TableColumn(name: $0.name, type: $0.type, format: $0.format, description: $0.description, priority: $0.priority) }
    }

    public func cells(_ object: JSONValue, now: Date) -> [JSONValue] {
        [.string(object["metadata"]?["name"]?.stringValue ?? "")] + columns.map { column in
            let values = column.path.evaluate(object)
            guard let first = values.first else { return .null }
            if values.count > 1 { return .string(values.map(Self.text).joined(separator: ",")) }
            return Self.cell(first, type: column.type, now: now)
        }
    }

    static func cell(_ value: JSONValue, type: String, now: Date) -> JSONValue {
        switch type {
        case "date":
            guard case .string = value else { return .null }
            return .string(PrinterTime.since(value, now: now))
        case "integer":
            if let i = value.intValue { return .int(i) }
            return .null
        case "number":
            if let d = value.doubleValue { return value.isNumber ? value : .double(d) }
            return .null
        case "boolean":
            if case .bool = value { return value }
            return .null
        default:
            if case .string = value { return value }
            return .string(text(value))
        }
    }

    static func text(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): s
        case .null: "<nil>"
        default: value.jsonString
        }
    }
}

/// The JSONPath subset CRDs use in printer columns, selectable fields and scale paths:
/// `.a.b`, `.a[0]`, `.a[*].b`, `.a[?(@.type=="Ready")].status`, optionally wrapped in `{}`.
public struct JSONPathExpression: Sendable, Hashable {
    enum Step: Sendable, Hashable {
        case field(String)
        case index(Int)
        case all
        case filter(key: String, value: String)
    }

    let steps: [Step]
    public let text: String

    public init(_ text: String) {
        self.text = text
        var s = Substring(text.trimmingCharacters(in: .whitespaces))
        if s.hasPrefix("{"), s.hasSuffix("}") { s = s.dropFirst().dropLast() }
        var steps: [Step] = []
        while !s.isEmpty {
            if s.hasPrefix(".") {
                s = s.dropFirst()
                let name = s.prefix { $0 != "." && $0 != "[" }
                if !name.isEmpty { steps.append(.field(String(name))) }
                s = s.dropFirst(name.count)
            } else if s.hasPrefix("[") {
                guard let close = s.firstIndex(of: "]") else { break }
                let inner = s[s.index(after: s.startIndex)..<close]
                s = s[s.index(after: close)...]
                if inner == "*" {
                    steps.append(.all)
                } else if let i = Int(inner) {
                    steps.append(.index(i))
                } else if inner.hasPrefix("?(@."), inner.hasSuffix(")") {
                    let body = inner.dropFirst(4).dropLast()
                    let parts = body.components(separatedBy: "==")
                    if parts.count == 2 {
                        let key = parts[0].trimmingCharacters(in: .whitespaces)
                        let value = parts[1].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
                        steps.append(.filter(key: key, value: value))
                    }
                } else {
                    steps.append(.field(inner.trimmingCharacters(in: CharacterSet(charactersIn: "'\""))))
                }
            } else {
                let name = s.prefix { $0 != "." && $0 != "[" }
                steps.append(.field(String(name)))
                s = s.dropFirst(max(name.count, 1))
            }
        }
        self.steps = steps
    }

    /// The dotted field path (`spec.replicas`) when the expression is a plain field path.
    public var fieldPath: String? {
        var names: [String] = []
        for step in steps {
            guard case .field(let name) = step else { return nil }
            names.append(name)
        }
        return names.isEmpty ? nil : names.joined(separator: ".")
    }

    public func evaluate(_ root: JSONValue) -> [JSONValue] {
        var current = [root]
        for step in steps {
            var next: [JSONValue] = []
            for value in current {
                switch step {
                case .field(let name): if let v = value[name] { next.append(v) }
                case .index(let i):
                    if let items = value.arrayValue {
                        let j = i < 0 ? items.count + i : i
                        if items.indices.contains(j) { next.append(items[j]) }
                    }
                case .all:
                    if let items = value.arrayValue { next += items } else if let fields = value.objectValue { next += fields.keys.sorted().compactMap { fields[$0] } }
                case .filter(let key, let expected):
                    for item in value.arrayValue ?? [] where CustomResourceColumns.text(item[key] ?? .null) == expected {
                        next.append(item)
                    }
                }
            }
            current = next
        }
        return current
    }

    /// Sets the value at a plain field path, creating objects on the way.
    public func set(_ value: JSONValue, in root: inout JSONValue) {
        let names = steps.compactMap { step -> String? in
            if case .field(let name) = step { return name }
            return nil
        }
        guard !names.isEmpty, names.count == steps.count else { return }
        Self.set(value, names[...], in: &root)
    }

    private static func set(_ value: JSONValue, _ names: ArraySlice<String>, in node: inout JSONValue) {
        guard let first = names.first else { node = value; return }
        if case .object = node {} else { node = .object([:]) }
        var child = node[first] ?? .object([:])
        set(value, names.dropFirst(), in: &child)
        node[first] = child
    }
}
