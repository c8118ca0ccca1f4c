import Foundation
import Yams

/// A malformed KubeSchedulerConfiguration; `field` is the path of the offending value
/// (e.g. `profiles[0].plugins.score.enabled[1].weight`).
package struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    package var field: String
    package var message: String
    package init(_ field: String, _ message: String) {
        self.field = field
        self.message = message
    }

    package var description: String { "\(field): \(message)" }
}

/// `kubescheduler.config.k8s.io/v1` KubeSchedulerConfiguration, the parts Skiff honours:
/// profiles (schedulerName, plugins enabled/disabled per extension point with score weights,
/// pluginConfig of NodeResourcesFit, NodeResourcesBalancedAllocation, InterPodAffinity and
/// DefaultPreemption, percentageOfNodesToScore), the global percentageOfNodesToScore, back-off
/// durations and parallelism. Unknown fields are errors, as kube-scheduler's strict decoding makes them.
package struct SchedulerConfiguration: Sendable, Equatable {
    package var profiles: [Profile] = [Profile()]
    package var percentageOfNodesToScore: Int?
    package var podInitialBackoffSeconds: Double = 1
    package var podMaxBackoffSeconds: Double = 10
    package var parallelism = 16

    package init() {}

    static let topLevelFields: Set<String> = [
        "apiVersion", "kind", "parallelism", "leaderElection", "clientConnection", "healthzBindAddress",
        "metricsBindAddress", "debuggingConfiguration", "enableProfiling", "enableContentionProfiling",
        "percentageOfNodesToScore", "podInitialBackoffSeconds", "podMaxBackoffSeconds", "profiles", "extenders",
        "delayCacheUntilActive",
    ]
    static let extensionPoints: Set<String> = [
        "queueSort", "preEnqueue", "preFilter", "filter", "postFilter", "preScore", "score", "reserve", "permit",
        "preBind", "bind", "postBind", "multiPoint",
    ]

    package static func parse(yaml text: String) throws(ConfigurationError) -> SchedulerConfiguration {
        let loaded: Any?
        do {
            loaded = try Yams.load(yaml: text)
        } catch {
            throw ConfigurationError("<document>", "invalid YAML: \(error)")
        }
        guard let root = loaded as? [String: Any] else {
            throw ConfigurationError("<document>", "must be a KubeSchedulerConfiguration object")
        }
        for key in root.keys where !topLevelFields.contains(key) {
            throw ConfigurationError(key, "unknown field \"\(key)\"")
        }
        guard root["apiVersion"] as? String == "kubescheduler.config.k8s.io/v1" else {
            throw ConfigurationError("apiVersion", "Unsupported value: \(String(describing: root["apiVersion"] ?? "")): supported values: \"kubescheduler.config.k8s.io/v1\"")
        }
        guard root["kind"] as? String == "KubeSchedulerConfiguration" else {
            throw ConfigurationError("kind", "Unsupported value: must be \"KubeSchedulerConfiguration\"")
        }
        var config = SchedulerConfiguration()
        if let v = root["percentageOfNodesToScore"] {
            config.percentageOfNodesToScore = try int(v, "percentageOfNodesToScore", in: 0 ... 100)
        }
        if let v = root["parallelism"] { config.parallelism = try int(v, "parallelism", in: 1 ... 1024) }
        if let v = root["podInitialBackoffSeconds"] { config.podInitialBackoffSeconds = Double(try int(v, "podInitialBackoffSeconds", in: 1 ... 3600)) }
        if let v = root["podMaxBackoffSeconds"] { config.podMaxBackoffSeconds = Double(try int(v, "podMaxBackoffSeconds", in: 1 ... 3600)) }
        if config.podMaxBackoffSeconds < config.podInitialBackoffSeconds {
            throw ConfigurationError("podMaxBackoffSeconds", "Invalid value: must be greater than or equal to podInitialBackoffSeconds")
        }
        if let v = root["profiles"] {
            guard let list = v as? [Any] else { throw ConfigurationError("profiles", "must be a list") }
            var profiles: [Profile] = []
            var names: Set<String> = []
            for (i, item) in list.enumerated() {
                let path = "profiles[\(i)]"
                let p = try parseProfile(item, path: path, multiple: list.count > 1)
                if !names.insert(p.schedulerName).inserted {
                    throw ConfigurationError(path + ".schedulerName", "Duplicate value: \"\(p.schedulerName)\"")
                }
                profiles.append(p)
            }
            if !profiles.isEmpty { config.profiles = profiles }
        }
        for i in config.profiles.indices where config.profiles[i].percentageOfNodesToScore == nil {
            config.profiles[i].percentageOfNodesToScore = config.percentageOfNodesToScore
        }
        return config
    }

    static func parseProfile(_ value: Any, path: String, multiple: Bool) throws(ConfigurationError) -> Profile {
        guard let fields = value as? [String: Any] else { throw ConfigurationError(path, "must be an object") }
        for key in fields.keys where !["schedulerName", "plugins", "pluginConfig", "percentageOfNodesToScore"].contains(key) {
            throw ConfigurationError(path + "." + key, "unknown field \"\(key)\"")
        }
        var name = Profile.defaultSchedulerName
        if let v = fields["schedulerName"] {
            guard let s = v as? String, !s.isEmpty else { throw ConfigurationError(path + ".schedulerName", "Required value") }
            name = s
        } else if multiple {
            throw ConfigurationError(path + ".schedulerName", "Required value")
        }
        var profile = Profile(schedulerName: name)
        if let v = fields["percentageOfNodesToScore"] {
            profile.percentageOfNodesToScore = try int(v, path + ".percentageOfNodesToScore", in: 0 ... 100)
        }
        if let v = fields["plugins"] {
            guard let points = v as? [String: Any] else { throw ConfigurationError(path + ".plugins", "must be an object") }
            // multiPoint first, then specific points override it, as upstream merges them.
            for point in points.keys.sorted(by: { ($0 == "multiPoint" ? 0 : 1, $0) < ($1 == "multiPoint" ? 0 : 1, $1) }) {
                try applyPluginSet(points[point] as Any, point: point, path: path + ".plugins." + point, to: &profile)
            }
        }
        if let v = fields["pluginConfig"] {
            guard let list = v as? [Any] else { throw ConfigurationError(path + ".pluginConfig", "must be a list") }
            for (i, item) in list.enumerated() {
                try applyPluginConfig(item, path: path + ".pluginConfig[\(i)]", to: &profile)
            }
        }
        return profile
    }

    static func applyPluginSet(_ value: Any, point: String, path: String, to profile: inout Profile) throws(ConfigurationError) {
        guard extensionPoints.contains(point) else { throw ConfigurationError(path, "unknown field \"\(point)\"") }
        guard let set = value as? [String: Any] else { throw ConfigurationError(path, "must be an object") }
        for key in set.keys where key != "enabled" && key != "disabled" {
            throw ConfigurationError(path + "." + key, "unknown field \"\(key)\"")
        }
        let filterPoint = point == "filter" || point == "preFilter" || point == "multiPoint"
        let scorePoint = point == "score" || point == "preScore" || point == "multiPoint"
        if let disabled = set["disabled"] {
            guard let list = disabled as? [Any] else { throw ConfigurationError(path + ".disabled", "must be a list") }
            for (i, item) in list.enumerated() {
                let name = try pluginName(item, path: path + ".disabled[\(i)]", allowStar: true)
                if name == "*" {
                    if filterPoint { profile.filters = [] }
                    if point == "score" || point == "multiPoint" { profile.scoreWeights = [:] }
                    if point == "postFilter" || point == "multiPoint" { profile.preemption = false }
                    continue
                }
                guard let plugin = PluginName(rawValue: name) else { continue }
                if filterPoint { profile.filters.removeAll { $0 == plugin } }
                if point == "score" || point == "multiPoint" { profile.scoreWeights[plugin] = nil }
                if plugin == .defaultPreemption && (point == "postFilter" || point == "multiPoint") { profile.preemption = false }
            }
        }
        if let enabled = set["enabled"] {
            guard let list = enabled as? [Any] else { throw ConfigurationError(path + ".enabled", "must be a list") }
            for (i, item) in list.enumerated() {
                let itemPath = path + ".enabled[\(i)]"
                let name = try pluginName(item, path: itemPath, allowStar: false)
                guard let plugin = PluginName(rawValue: name) else {
                    throw ConfigurationError(itemPath + ".name", "Invalid value: \"\(name)\": plugin \"\(name)\" does not exist")
                }
                var weight: Int64 = 0
                if let w = (item as? [String: Any])?["weight"] {
                    weight = Int64(try int(w, itemPath + ".weight", in: 0 ... 100))
                }
                if filterPoint && PluginName.filters.contains(plugin) && !profile.filters.contains(plugin) {
                    // Keep upstream's relative order.
                    profile.filters = PluginName.filters.filter { profile.filters.contains($0) || $0 == plugin }
                }
                if scorePoint && PluginName.defaultScoreWeights[plugin] != nil {
                    if point == "score" || weight > 0 || profile.scoreWeights[plugin] == nil {
                        profile.scoreWeights[plugin] = weight > 0 ? weight : (PluginName.defaultScoreWeights[plugin] ?? 1)
                    }
                } else if point == "score" {
                    throw ConfigurationError(itemPath + ".name", "Invalid value: \"\(name)\": plugin \"\(name)\" does not extend score")
                }
                if plugin == .defaultPreemption { profile.preemption = true }
            }
        }
    }

    static func applyPluginConfig(_ value: Any, path: String, to profile: inout Profile) throws(ConfigurationError) {
        guard let fields = value as? [String: Any] else { throw ConfigurationError(path, "must be an object") }
        guard let name = fields["name"] as? String else { throw ConfigurationError(path + ".name", "Required value") }
        guard let plugin = PluginName(rawValue: name) else {
            throw ConfigurationError(path + ".name", "Invalid value: \"\(name)\": plugin \"\(name)\" does not exist")
        }
        let args = fields["args"] as? [String: Any] ?? [:]
        let argsPath = path + ".args"
        switch plugin {
        case .nodeResourcesFit:
            if let strategy = args["scoringStrategy"] as? [String: Any] {
                if let type = strategy["type"] {
                    guard let t = type as? String, let s = Profile.ScoringStrategy(rawValue: t) else {
                        throw ConfigurationError(argsPath + ".scoringStrategy.type", "Unsupported value: \"\(type)\": supported values: \"LeastAllocated\", \"MostAllocated\"")
                    }
                    profile.scoringStrategy = s
                }
                if let r = strategy["resources"] {
                    profile.fitResources = try resources(r, path: argsPath + ".scoringStrategy.resources")
                }
            }
        case .nodeResourcesBalancedAllocation:
            if let r = args["resources"] { profile.balancedResources = try resources(r, path: argsPath + ".resources") }
        case .interPodAffinity:
            if let w = args["hardPodAffinityWeight"] {
                profile.hardPodAffinityWeight = Int32(try int(w, argsPath + ".hardPodAffinityWeight", in: 0 ... 100))
            }
            if let b = args["ignorePreferredTermsOfExistingPods"] {
                guard let v = b as? Bool else { throw ConfigurationError(argsPath + ".ignorePreferredTermsOfExistingPods", "must be a boolean") }
                profile.ignorePreferredTermsOfExistingPods = v
            }
        case .defaultPreemption:
            if let v = args["minCandidateNodesPercentage"] {
                profile.minCandidateNodesPercentage = try int(v, argsPath + ".minCandidateNodesPercentage", in: 0 ... 100)
            }
            if let v = args["minCandidateNodesAbsolute"] {
                profile.minCandidateNodesAbsolute = try int(v, argsPath + ".minCandidateNodesAbsolute", in: 0 ... Int(Int32.max))
            }
        default:
            break
        }
    }

    static func resources(_ value: Any, path: String) throws(ConfigurationError) -> [Profile.ResourceWeight] {
        guard let list = value as? [Any], !list.isEmpty else { throw ConfigurationError(path, "must be a non-empty list") }
        var out: [Profile.ResourceWeight] = []
        for (i, item) in list.enumerated() {
            guard let f = item as? [String: Any], let name = f["name"] as? String, !name.isEmpty else {
                throw ConfigurationError(path + "[\(i)].name", "Required value")
            }
            var weight = 1
            if let v = f["weight"] { weight = try int(v, path + "[\(i)].weight", in: 1 ... 100) }
            out.append(Profile.ResourceWeight(name: name, weight: Int64(weight)))
        }
        return out
    }

    static func pluginName(_ item: Any, path: String, allowStar: Bool) throws(ConfigurationError) -> String {
        guard let f = item as? [String: Any], let name = f["name"] as? String, !name.isEmpty else {
            throw ConfigurationError(path + ".name", "Required value")
        }
        for key in f.keys where key != "name" && key != "weight" {
            throw ConfigurationError(path + "." + key, "unknown field \"\(key)\"")
        }
        if name == "*" && !allowStar { throw ConfigurationError(path + ".name", "Invalid value: \"*\"") }
        return name
    }

    static func int(_ value: Any, _ path: String, in range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        guard let n = value as? Int else { throw ConfigurationError(path, "Invalid value: \"\(value)\": must be an integer") }
        guard range.contains(n) else {
            throw ConfigurationError(path, "Invalid value: \(n): not in valid range [\(range.lowerBound)-\(range.upperBound)]")
        }
        return n
    }
}
