import CYaml

/// go-yaml's alias budget (the YAML library behind sigs.k8s.io/yaml, which client-go reads
/// kubeconfig files with), checked on libyaml's events before Yams builds the document: Yams
/// expands every alias into a full copy, so a "billion laughs" kubeconfig of under 1 KB would
/// otherwise take minutes and gigabytes. A document fails once more than 100 alias nodes and 1000
/// nodes in all were decoded and aliases make up more than the allowed share (99% up to 400,000
/// nodes, falling linearly to 10% at 4,000,000), exactly where go-yaml says "document contains
/// excessive aliasing".
enum YAMLAliasBudget {
    struct Exceeded: Error {}

    static func check(_ text: String) throws(Exceeded) {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return }
        defer { yaml_parser_delete(&parser) }
        var bytes = Array(text.utf8)
        if bytes.isEmpty { return }
        let result: Result<Void, Exceeded> = bytes.withUnsafeMutableBufferPointer { buffer in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            do throws(Exceeded) { try walk(&parser); return .success(()) } catch { return .failure(error) }
        }
        try result.get()
    }

    private static func walk(_ parser: inout yaml_parser_t) throws(Exceeded) {
        var decoded = 0, aliased = 0
        var anchors: [String: Int] = [:]
        // Open collections: their anchor and how many nodes they expand to so far.
        var open: [(anchor: String?, nodes: Int)] = []
        func finish(_ nodes: Int, anchor: String?) {
            if let anchor { anchors[anchor] = nodes }
            if !open.isEmpty { open[open.count - 1].nodes += nodes }
        }
        func charge(_ nodes: Int, aliases: Int) throws(Exceeded) {
            decoded += nodes
            aliased += aliases
            if aliased > 100, decoded > 1000, Double(aliased) / Double(decoded) > allowedRatio(decoded) { throw Exceeded() }
        }
        while true {
            var event = yaml_event_t()
            // A syntax error is left for Yams to report with its message.
            guard yaml_parser_parse(&parser, &event) == 1 else { return }
            defer { yaml_event_delete(&event) }
            switch event.type {
            case YAML_STREAM_END_EVENT:
                return
            case YAML_SCALAR_EVENT:
                try charge(1, aliases: 0)
                finish(1, anchor: name(event.data.scalar.anchor))
            case YAML_ALIAS_EVENT:
                let nodes = anchors[name(event.data.alias.anchor) ?? ""] ?? 1
                try charge(1 + nodes, aliases: nodes)
                finish(nodes, anchor: nil)
            case YAML_SEQUENCE_START_EVENT:
                try charge(1, aliases: 0)
                open.append((name(event.data.sequence_start.anchor), 1))
            case YAML_MAPPING_START_EVENT:
                try charge(1, aliases: 0)
                open.append((name(event.data.mapping_start.anchor), 1))
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                guard let frame = open.popLast() else { return }
                finish(frame.nodes, anchor: frame.anchor)
            default:
                break
            }
        }
    }

    static func allowedRatio(_ decoded: Int) -> Double {
        let low = 400_000.0, high = 4_000_000.0, count = Double(decoded)
        if count <= low { return 0.99 }
        if count >= high { return 0.10 }
        return 0.99 - 0.89 * ((count - low) / (high - low))
    }

    private static func name(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: $0) }
    }
}
