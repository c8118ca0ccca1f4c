import Foundation
import SkiffAPI

/// Names the Job controller shares with the API and kubectl (`batch/v1` constants).
enum JobNames {
    static let trackingFinalizer = "batch.kubernetes.io/job-tracking"
    static let completionIndex = "batch.kubernetes.io/job-completion-index"
    static let indexFailureCount = "batch.kubernetes.io/job-index-failure-count"
    static let indexIgnoredFailureCount = "batch.kubernetes.io/job-index-ignored-failure-count"
    static let completionIndexEnv = "JOB_COMPLETION_INDEX"
    static let controllerName = "kubernetes.io/job-controller"
}

/// What the pod-failure policy decided for a failed pod.
enum FailureAction: Equatable, Sendable {
    /// No rule matched, or a `Count` rule: counts towards the back-off limit.
    case count
    case ignore
    case failIndex
    /// The message of the `FailureTarget` condition.
    case failJob(message: String)
}

extension CoreV1.Pod {
    var hasTrackingFinalizer: Bool { metadata?.finalizers?.contains(JobNames.trackingFinalizer) ?? false }

    var isFinished: Bool { phase == "Succeeded" || phase == "Failed" }

    /// The completion index from the annotation (or label), when it is a number in range.
    func completionIndex(completions: Int) -> Int? {
        let text = metadata?.annotations?[JobNames.completionIndex] ?? metadata?.labels?[JobNames.completionIndex]
        guard let text, let i = Int(text), i >= 0, i < completions, String(i) == text else { return nil }
        return i
    }

    func annotationInt(_ key: String) -> Int {
        metadata?.annotations?[key].flatMap { Int($0) }.map { max(0, $0) } ?? 0
    }

    /// When the pod stopped (upstream `getFinishedTime`): the last container's finish time,
    /// else when it was marked for deletion, else `fallback`.
    func finishedTime(fallback: Date) -> Date {
        let statuses = (status?.containerStatuses ?? []) + (status?.initContainerStatuses ?? [])
        if let t = statuses.compactMap({ KubeTime.parse($0.state?.terminated?.finishedAt) }).max() { return t }
        if let t = KubeTime.parse(metadata?.deletionTimestamp) { return t }
        return fallback
    }
}

extension BatchV1.Job {
    var isIndexed: Bool { spec?.completionMode == "Indexed" }
    var completions: Int? { spec?.completions.map { Int($0) } }
    var parallelism: Int { Int(spec?.parallelism ?? 1) }
    var backoffLimit: Int { Int(spec?.backoffLimit ?? 6) }
    var isSuspended: Bool { spec?.suspend == true }

    /// `onlyReplaceFailedPods`: a terminating pod is replaced (and counted failed) only once it
    /// has failed when the policy says so or a pod-failure policy needs its final state.
    var onlyReplaceFailedPods: Bool { spec?.podReplacementPolicy == "Failed" || spec?.podFailurePolicy != nil }

    func condition(_ type: String) -> BatchV1.JobCondition? {
        status?.conditions?.first { $0.type == type && $0.status == "True" }
    }

    /// Complete or Failed: the controller only strips finalizers from now on.
    var isFinished: Bool { condition("Complete") != nil || condition("Failed") != nil }
}

enum JobPodRules {
    /// Upstream `isPodFailed`: Failed, or (unless only failed pods are replaced) being deleted
    /// before it succeeded — an orphan that will never reach Failed.
    static func isFailed(_ pod: CoreV1.Pod, job: BatchV1.Job) -> Bool {
        if pod.phase == "Failed" { return true }
        if job.onlyReplaceFailedPods { return false }
        return pod.isTerminating && pod.phase != "Succeeded"
    }

    /// Upstream `matchPodFailurePolicy`: the first rule matching a failed pod decides. Exit
    /// codes are read from terminated init and app containers, ignoring exit code 0.
    static func action(for pod: CoreV1.Pod, job: BatchV1.Job) -> FailureAction {
        guard let rules = job.spec?.podFailurePolicy?.rules, pod.phase == "Failed" else { return .count }
        let ns = pod.namespace, name = pod.name
        for (i, rule) in rules.enumerated() {
            if let req = rule.onExitCodes {
                let statuses = (pod.status?.initContainerStatuses ?? []) + (pod.status?.containerStatuses ?? [])
                let hit = statuses.first { s in
                    guard let code = s.state?.terminated?.exitCode, code != 0 else { return false }
                    if let c = req.containerName, c != s.name { return false }
                    let listed = (req.values ?? []).contains(code)
                    switch req.operator {
                    case "In": return listed
                    case "NotIn": return !listed
                    default: return false
                    }
                }
                if let hit, let result = decide(rule.action, i) {
                    if case .failJob = result {
                        return .failJob(message: "Container \(hit.name ?? "") for pod \(ns)/\(name) failed with exit code \(hit.state?.terminated?.exitCode ?? 0) matching FailJob rule at index \(i)")
                    }
                    return result
                }
            } else if let patterns = rule.onPodConditions {
                let hit = patterns.first { p in
                    pod.status?.conditions?.contains { $0.type == p.type && $0.status == (p.status ?? "True") } ?? false
                }
                if let hit, let result = decide(rule.action, i) {
                    if case .failJob = result {
                        return .failJob(message: "Pod \(ns)/\(name) has condition \(hit.type ?? "") matching FailJob rule at index \(i)")
                    }
                    return result
                }
            }
        }
        return .count
    }

    /// nil for an unknown action: the rule is skipped, as upstream.
    private static func decide(_ action: String?, _ index: Int) -> FailureAction? {
        switch action {
        case "FailJob": .failJob(message: "")
        case "Ignore": .ignore
        case "Count": .count
        case "FailIndex": .failIndex
        default: nil
        }
    }

    /// Upstream `getRemainingTimeForFailuresCount`: 10 s doubling per failure after the last
    /// success, capped at 6 minutes, measured from the last failure.
    static func backoffRemaining(failures: Int, lastFailure: Date?, now: Date,
                                 base: TimeInterval = 10, cap: TimeInterval = 360) -> TimeInterval {
        guard failures > 0, let lastFailure else { return 0 }
        var delay = base
        for _ in 1..<failures {
            delay *= 2
            if delay >= cap { delay = cap; break }
        }
        delay = min(delay, cap)
        let elapsed = max(0, now.timeIntervalSince(lastFailure))
        return max(0, delay - elapsed)
    }
}
