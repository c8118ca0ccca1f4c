import Foundation
import SkiffAPI

/// What a pod's annotations ask its hollow containers to do. Hollow containers run forever and
/// become ready at once unless told otherwise:
/// - `hollow.skiff.dev/exit-after: 3s` — every container exits that long after it starts;
/// - `hollow.skiff.dev/exit-code: N` — with this code (default 0);
/// - `hollow.skiff.dev/never-ready: "true"` — containers run but never report ready.
/// Malformed values are ignored (the pod then behaves as a plain long-running pod), because a
/// hollow node must never crash or stall on outside input.
package struct HollowBehavior: Sendable, Equatable {
    package static let exitAfterAnnotation = "hollow.skiff.dev/exit-after"
    package static let exitCodeAnnotation = "hollow.skiff.dev/exit-code"
    package static let neverReadyAnnotation = "hollow.skiff.dev/never-ready"

    package var exitAfter: TimeInterval?
    package var exitCode: Int32
    package var neverReady: Bool

    package init(exitAfter: TimeInterval? = nil, exitCode: Int32 = 0, neverReady: Bool = false) {
        self.exitAfter = exitAfter
        self.exitCode = exitCode
        self.neverReady = neverReady
    }

    package init(annotations: [String: String]) {
        exitAfter = annotations[Self.exitAfterAnnotation].flatMap(GoDuration.parse)
        exitCode = annotations[Self.exitCodeAnnotation].flatMap { Int32($0.trimmingCharacters(in: .whitespaces)) } ?? 0
        neverReady = annotations[Self.neverReadyAnnotation]?.lowercased() == "true"
    }
}

/// The container restart policy of a pod (`spec.restartPolicy`, default Always).
package enum RestartPolicy: String, Sendable {
    case always = "Always", onFailure = "OnFailure", never = "Never"

    func restarts(exitCode: Int32) -> Bool {
        switch self {
        case .always: true
        case .onFailure: exitCode != 0
        case .never: false
        }
    }
}

/// The kubelet's crash-loop back-off: the first restart is immediate, then 10 s doubling up to
/// 300 s (pkg/kubelet/kubelet.go `backOffPeriod`/`MaxContainerBackOff`; the runtime manager's
/// `doBackOff` only backs off once a back-off entry exists). Unlike the kubelet, the back-off is
/// not reset after ten minutes of clean running — hollow containers exit on a fixed period.
package enum CrashLoopBackOff {
    package static let initial: TimeInterval = 10
    package static let maximum: TimeInterval = 300

    /// The wait before restart number `restartCount + 1`.
    package static func delay(restartCount: Int32) -> TimeInterval {
        guard restartCount > 0 else { return 0 }
        let doublings = min(Int(restartCount) - 1, 16)
        return min(initial * Double(1 << doublings), maximum)
    }

    static func format(_ seconds: TimeInterval) -> String {
        let whole = Int(seconds)
        if whole >= 60 {
            return whole % 60 == 0 ? "\(whole / 60)m0s" : "\(whole / 60)m\(whole % 60)s"
        }
        return "\(whole)s"
    }
}

/// Pod QoS class (pkg/apis/core/helper/qos): Guaranteed when every container has cpu and memory
/// limits with requests equal to them, BestEffort when none sets any, Burstable otherwise.
package func qosClass(of spec: CoreV1.PodSpec?) -> String {
    let containers = (spec?.containers ?? []) + (spec?.initContainers ?? [])
    var anySet = false
    var guaranteed = true
    for container in containers {
        let requests = container.resources?.requests ?? [:]
        let limits = container.resources?.limits ?? [:]
        for name in ["cpu", "memory"] {
            if requests[name] != nil || limits[name] != nil { anySet = true }
            guard let limit = limits[name] else {
                guaranteed = false
                continue
            }
            if let request = requests[name], request != limit { guaranteed = false }
        }
    }
    if !anySet { return "BestEffort" }
    return guaranteed ? "Guaranteed" : "Burstable"
}
