import SkiffAPI
import SkiffClient

/// What one content-deletion pass over a terminating namespace found.
struct NamespaceContent: Sendable, Equatable {
    /// "resource.group" → objects still present after the pass.
    var remaining: [String: Int] = [:]
    /// finalizer → objects (deleting) still carrying it.
    var finalizers: [String: Int] = [:]
    /// Errors deleting or listing, one line each.
    var failures: [String] = []
    var discoveryFailure: String?

    var done: Bool { remaining.isEmpty && failures.isEmpty && discoveryFailure == nil }
}

/// The namespace controller's status decisions (upstream `namespaced_resources_deleter`):
/// the five deletion conditions with upstream's reasons and messages.
enum NamespaceSync {
    static let finalizer = "kubernetes"

    static let conditionTypes = ["NamespaceDeletionDiscoveryFailure", "NamespaceDeletionGroupVersionParsingFailure",
                                 "NamespaceDeletionContentFailure", "NamespaceContentRemaining", "NamespaceFinalizersRemaining"]

    /// (status, reason, message) per condition type for `content`.
    static func states(_ content: NamespaceContent) -> [String: (String, String, String)] {
        var s: [String: (String, String, String)] = [
            "NamespaceDeletionDiscoveryFailure": ("False", "ResourcesDiscovered", "All resources successfully discovered"),
            "NamespaceDeletionGroupVersionParsingFailure": ("False", "ParsedGroupVersions", "All legacy kube types successfully parsed"),
            "NamespaceDeletionContentFailure": ("False", "ContentDeleted", "All content successfully deleted, may be waiting on finalization"),
            "NamespaceContentRemaining": ("False", "ContentRemoved", "All content successfully removed"),
            "NamespaceFinalizersRemaining": ("False", "ContentHasNoFinalizers", "All content-preserving finalizers finished"),
        ]
        if let d = content.discoveryFailure {
            s["NamespaceDeletionDiscoveryFailure"] = ("True", "DiscoveryFailed", "Discovery failed for some groups, 1 failing: \(d)")
        }
        if !content.failures.isEmpty {
            s["NamespaceDeletionContentFailure"] = ("True", "ContentDeletionFailed",
                                                    "Failed to delete all resource types, \(content.failures.count) remaining: \(aggregate(content.failures))")
        }
        if !content.remaining.isEmpty {
            let parts = content.remaining.sorted { $0.key < $1.key }.map { "\($0.key) has \($0.value) resource instances" }
            s["NamespaceContentRemaining"] = ("True", "SomeResourcesRemain", "Some resources are remaining: \(parts.joined(separator: ", "))")
        }
        if !content.finalizers.isEmpty {
            let parts = content.finalizers.sorted { $0.key < $1.key }.map { "\($0.key) in \($0.value) resource instances" }
            s["NamespaceFinalizersRemaining"] = ("True", "SomeFinalizersRemain",
                                                 "Some content in the namespace has finalizers remaining: \(parts.joined(separator: ", "))")
        }
        return s
    }

    /// utilerrors.NewAggregate's text: one error as is, several in brackets.
    static func aggregate(_ errors: [String]) -> String {
        errors.count == 1 ? errors[0] : "[" + errors.joined(separator: ", ") + "]"
    }

    /// The namespace's conditions after a pass: the five deletion conditions in upstream's order
    /// (others kept), transition times kept while a status stays the same.
    static func conditions(_ content: NamespaceContent, previous: [CoreV1.NamespaceCondition], now: String) -> [CoreV1.NamespaceCondition] {
        let states = states(content)
        var out = previous.filter { !conditionTypes.contains($0.type ?? "") }
        for type in conditionTypes {
            guard let (status, reason, message) = states[type] else { continue }
            let old = previous.first { $0.type == type }
            let since = old?.status == status ? (old?.lastTransitionTime ?? now) : now
            out.append(CoreV1.NamespaceCondition(lastTransitionTime: since, message: message, reason: reason, status: status, type: type))
        }
        return out
    }

    /// "resource.group" as upstream names a GVR in messages ("pods." for the core group).
    static func label(_ d: ResourceDescriptor) -> String { "\(d.resource).\(d.group)" }
}
