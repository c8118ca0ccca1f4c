import SkiffClient
import ServiceLifecycle

/// The batch and pod-cleanup controllers, constructed by name for `ControllerManager` (kept
/// here so the manager's list grows by one line).
enum BatchControllers {
    static let names = ["job", "cronjob", "ttl-after-finished", "podgc"]

    static func services(_ name: String, client: Client, factory: SharedInformerFactory) -> [any Service] {
        switch name {
        case "job":
            let recorder = EventRecorder(client: client, component: "job-controller")
            return [recorder, JobController.make(factory: factory, recorder: recorder)]
        case "cronjob":
            let recorder = EventRecorder(client: client, component: "cronjob-controller")
            return [recorder, CronJobController.make(factory: factory, recorder: recorder)]
        case "ttl-after-finished": return [TTLAfterFinishedController.make(factory: factory)]
        case "podgc": return [PodGCController(factory: factory)]
        default: return []
        }
    }
}
