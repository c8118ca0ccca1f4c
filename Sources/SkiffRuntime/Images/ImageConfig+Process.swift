extension ImageConfig {
    /// The argv a container runs, combining the image's Entrypoint/Cmd with a Kubernetes
    /// container's `command`/`args` exactly as Kubernetes does:
    /// - `command` given: `command + args` (the image's Entrypoint and Cmd are ignored);
    /// - only `args` given: `Entrypoint + args`;
    /// - neither: `Entrypoint + Cmd`.
    ///
    /// `$(VAR)` expansion is the kubelet's business and happens before this.
    public func resolveProcess(command: [String], args: [String]) -> [String] {
        if !command.isEmpty { return command + args }
        if !args.isEmpty { return entrypoint + args }
        return entrypoint + cmd
    }

    /// The environment a container gets: the image's `NAME=value` entries in image order,
    /// each overridden in place by a container variable of the same name, then the
    /// container's other variables in their order. A later duplicate in `containerEnv` wins.
    public func mergedEnvironment(_ containerEnv: [(name: String, value: String)]) -> [String] {
        var order: [String] = []
        var values: [String: String] = [:]
        func set(_ name: String, _ value: String) {
            if values.updateValue(value, forKey: name) == nil { order.append(name) }
        }
        for entry in env {
            let (name, value) = Self.splitEnvironmentEntry(entry)
            set(name, value)
        }
        for (name, value) in containerEnv { set(name, value) }
        return order.map { "\($0)=\(values[$0] ?? "")" }
    }

    /// `NAME=value` → (NAME, value); an entry without `=` is a name with an empty value.
    package static func splitEnvironmentEntry(_ entry: String) -> (String, String) {
        guard let equals = entry.firstIndex(of: "=") else { return (entry, "") }
        return (String(entry[..<equals]), String(entry[entry.index(after: equals)...]))
    }
}
