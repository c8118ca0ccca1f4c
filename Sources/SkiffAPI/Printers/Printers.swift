import Foundation

/// Server-side Table output for `kubectl get`: the columns and cells of
/// pkg/printers/internalversion/printers.go, computed from an object's JSON.
///
/// Contract: `cells(for:kind:now:)` returns exactly one value per column of
/// `columns(for:)` (wide columns included — the server always sends them and kubectl hides
/// priority-1 columns unless `-o wide`), in the same order, typed as Kubernetes types them
/// (`.string`, `.int`, `.bool`). Malformed objects produce placeholder cells, never a trap.
/// Kinds without a printer get Kubernetes' default: Name and "Created At" (a date).
public enum Printers {
    public static func columns(for kind: GroupVersionKind) -> [TableColumn] {
        printer(for: kind).columns
    }

    public static func cells(for object: JSONValue, kind: GroupVersionKind, now: Date) -> [JSONValue] {
        let fields = object.objectValue ?? [:]
        let printer = printer(for: kind)
        var cells = printer.cells(PrintedObject(fields: fields, now: now))
        // Guard the contract even if a printer and its columns ever disagree.
        if cells.count < printer.columns.count {
            cells += Array(repeating: .string(""), count: printer.columns.count - cells.count)
        }
        return Array(cells.prefix(printer.columns.count))
    }

    /// True when a kind has its own printer (not the Name/Created At default).
    public static func hasPrinter(for kind: GroupVersionKind) -> Bool {
        printers[PrinterKey(group: kind.group, kind: kind.kind)] != nil
    }

    struct Printer: Sendable {
        let columns: [TableColumn]
        let cells: @Sendable (PrintedObject) -> [JSONValue]
    }

    struct PrinterKey: Hashable {
        let group: String
        let kind: String
    }

    static func printer(for kind: GroupVersionKind) -> Printer {
        printers[PrinterKey(group: kind.group, kind: kind.kind)] ?? defaultPrinter
    }

    static let printers: [PrinterKey: Printer] = {
        var table: [PrinterKey: Printer] = [:]
        for (group, kind, printer) in corePrinters + workloadPrinters + otherPrinters {
            table[PrinterKey(group: group, kind: kind)] = printer
        }
        return table
    }()

    static let defaultPrinter = Printer(
        columns: [nameColumn, TableColumn(name: "Created At", type: "date", description: creationTimestampDescription)],
        cells: { o in
            let created = o.meta["creationTimestamp"]?.stringValue.flatMap(KubeTime.parse).map(KubeTime.format) ?? ""
            return [.string(o.name), .string(created)]
        }
    )

    // MARK: - Column helpers

    static let nameDescription = "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"
    static let creationTimestampDescription = "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"

    static let nameColumn = TableColumn(name: "Name", type: "string", format: "name", description: nameDescription)
    static let ageColumn = TableColumn(name: "Age", type: "string", description: creationTimestampDescription)

    static func column(_ name: String, _ description: String = "", type: String = "string", wide: Bool = false) -> TableColumn {
        TableColumn(name: name, type: type, description: description, priority: wide ? 1 : 0)
    }

    static let containersColumn = column("Containers", "Names of each container in the template.", wide: true)
    static let imagesColumn = column("Images", "Images referenced by each container in the template.", wide: true)
}

/// An object being printed, with the accessors every printer uses.
struct PrintedObject {
    let fields: JSONObject
    let now: Date

    var meta: JSONObject { fields.objectField("metadata") ?? [:] }
    var spec: JSONObject { fields.objectField("spec") ?? [:] }
    var status: JSONObject { fields.objectField("status") ?? [:] }
    var name: String { meta.stringField("name") ?? "" }
    var age: JSONValue { .string(PrinterTime.since(meta["creationTimestamp"], now: now)) }
    var isDeleting: Bool { meta["deletionTimestamp"].map { $0 != .null } ?? false }

    func since(_ timestamp: JSONValue?) -> String { PrinterTime.since(timestamp, now: now) }

    /// `layoutContainerCells`: names and images joined by commas.
    static func containerCells(_ podSpec: JSONObject?) -> [JSONValue] {
        let containers = (podSpec?.arrayField("containers") ?? []).compactMap(\.objectValue)
        return [
            .string(containers.map { $0.stringField("name") ?? "" }.joined(separator: ",")),
            .string(containers.map { $0.stringField("image") ?? "" }.joined(separator: ",")),
        ]
    }
}

extension JSONObject {
    /// A nested integer field as a cell (0 when absent, as Go's zero value prints).
    func intCell(_ key: String) -> JSONValue { .int(intField(key) ?? 0) }
}
