/// The type of a schema property, as the Kubernetes OpenAPI definitions describe it.
public indirect enum SchemaType: Sendable, Hashable {
    /// A string; `format` is e.g. "byte", "date-time" or nil.
    case string(format: String?)
    /// An integer; `format` is "int32" or "int64".
    case integer(format: String)
    /// A number; `format` is e.g. "double" or nil.
    case number(format: String?)
    case boolean
    /// A reference to another definition by its full name (`io.k8s.api.core.v1.PodSpec`).
    case reference(String)
    case array(SchemaType)
    /// An object with arbitrary keys whose values have the given type (labels, annotations, …).
    case map(SchemaType)
    /// A free-form JSON object.
    case object
    /// Any JSON value.
    case any
}

/// What a whole definition is: a structure with properties, or one of the special apimachinery types.
public enum DefinitionKind: String, Sendable, Hashable {
    case object
    case quantity
    case intOrString = "int-or-string"
    case time
    /// Arbitrary JSON (RawExtension, FieldsV1, apiextensions JSON, …).
    case any
}

/// One property of a definition, with the Kubernetes extensions that drive patches and `kubectl explain`.
public struct SchemaProperty: Sendable, Hashable {
    public var name: String
    public var type: SchemaType
    public var description: String
    /// `x-kubernetes-patch-strategy` split at commas ("merge", "retainKeys", "replace").
    public var patchStrategies: [String]
    /// `x-kubernetes-patch-merge-key`.
    public var patchMergeKey: String?
    /// `x-kubernetes-list-type`: "atomic", "set" or "map".
    public var listType: String?
    /// `x-kubernetes-list-map-keys`.
    public var listMapKeys: [String]
    /// `x-kubernetes-map-type`: "atomic" or "granular".
    public var mapType: String?
    /// `enum` values, when the schema lists them.
    public var enumValues: [String]

    public init(name: String, type: SchemaType, description: String = "", patchStrategies: [String] = [],
                patchMergeKey: String? = nil, listType: String? = nil, listMapKeys: [String] = [],
                mapType: String? = nil, enumValues: [String] = []) {
        self.name = name
        self.type = type
        self.description = description
        self.patchStrategies = patchStrategies
        self.patchMergeKey = patchMergeKey
        self.listType = listType
        self.listMapKeys = listMapKeys
        self.mapType = mapType
        self.enumValues = enumValues
    }
}

/// One definition of the Kubernetes schema (`io.k8s.api.core.v1.Pod`).
public struct SchemaDefinition: Sendable, Hashable {
    /// Full name as in the OpenAPI documents: `io.k8s.api.core.v1.Pod`.
    public var name: String
    public var kind: DefinitionKind
    public var description: String
    /// `x-kubernetes-group-version-kind`: set on top-level kinds.
    public var groupVersionKinds: [GroupVersionKind]
    public var required: [String]
    /// `x-kubernetes-map-type` of the whole structure ("atomic" for e.g. LabelSelector).
    public var mapType: String?
    /// Properties in name order.
    public var properties: [SchemaProperty]
    private var index: [String: Int]

    public init(name: String, kind: DefinitionKind, description: String = "", groupVersionKinds: [GroupVersionKind] = [],
                required: [String] = [], mapType: String? = nil, properties: [SchemaProperty] = []) {
        self.name = name
        self.kind = kind
        self.description = description
        self.groupVersionKinds = groupVersionKinds
        self.required = required
        self.mapType = mapType
        self.properties = properties
        var index: [String: Int] = [:]
        for (i, p) in properties.enumerated() { index[p.name] = i }
        self.index = index
    }

    public func property(named name: String) -> SchemaProperty? {
        index[name].map { properties[$0] }
    }
}
