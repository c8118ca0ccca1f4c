/// Completion indexes as the Job status writes them (`status.completedIndexes`,
/// `status.failedIndexes`): sorted, comma-separated, consecutive runs as "first-last"
/// ("1,3-5,7"), as upstream's `orderedIntervals.String()`.
enum IndexIntervals {
    static func format(_ indexes: Set<Int>) -> String {
        var parts: [String] = []
        var runStart: Int?
        var previous = Int.min
        for i in indexes.sorted() {
            if let start = runStart, i == previous + 1 {
                previous = i
                _ = start
                continue
            }
            if let start = runStart { parts.append(start == previous ? "\(start)" : "\(start)-\(previous)") }
            runStart = i
            previous = i
        }
        if let start = runStart { parts.append(start == previous ? "\(start)" : "\(start)-\(previous)") }
        return parts.joined(separator: ",")
    }

    /// Parses a status interval list, keeping indexes below `completions` (upstream drops the
    /// rest); malformed parts are skipped rather than trusted.
    static func parse(_ text: String?, completions: Int) -> Set<Int> {
        guard let text, !text.isEmpty else { return [] }
        var result = Set<Int>()
        for part in text.split(separator: ",") {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false)
            guard let first = Int(bounds[0]), first >= 0 else { continue }
            let last = bounds.count == 2 ? (Int(bounds[1]) ?? -1) : (bounds.count == 1 ? first : -1)
            guard last >= first else { continue }
            let upper = min(last, completions - 1)
            if first <= upper { result.formUnion(first...upper) }
        }
        return result
    }
}
