import Foundation
import SkiffAPI
import SkiffClient
import SkiffRuntime

extension Kubelet {
    /// `GET /containerLogs/{namespace}/{pod}/{container}`: the log of the container's current
    /// attempt (or the one before with `previous`).
    func containerLogs(namespace: String, pod name: String, container: String,
                       query: [String: String]) async throws(LogRequestError) -> AsyncStream<[UInt8]> {
        let options = try LogOptions(query: query)
        guard let pod = pods.cache.get(ObjectKey(namespace: namespace, name: name)), let uid = pod.metadata?.uid else {
            throw LogRequestError(status: 404, message: "pod \(namespace)/\(name) not found on node \(config.nodeName)")
        }
        let known = ((pod.spec?.containers ?? []) + (pod.spec?.initContainers ?? [])).compactMap(\.name)
        guard known.contains(container) else {
            throw LogRequestError(status: 400, message: "container \(container) is not valid for pod \(name)")
        }
        let all = (try? await runtime.listContainers(ContainerFilter(labelSelector: [RuntimeLabels.podUID: uid]))) ?? []
        let attempts = all.filter { $0.containerName == container }.sorted { $0.metadata.attempt > $1.metadata.attempt }
        let chosen = options.previous ? attempts.dropFirst().first : attempts.first
        guard let chosen else {
            if options.previous {
                throw LogRequestError(status: 400, message: "previous terminated container \"\(container)\" in pod \"\(name)\" not found")
            }
            throw LogRequestError(status: 400, message: "container \"\(container)\" in pod \"\(name)\" is waiting to start: ContainerCreating")
        }
        let runtime = self.runtime
        let id = chosen.id
        return ContainerLogs.stream(path: chosen.logPath, options: options, now: now()) {
            (try? await runtime.containerStatus(id))?.state == .running
        }
    }
}
