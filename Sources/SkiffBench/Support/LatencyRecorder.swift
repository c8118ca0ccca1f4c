/// Latency samples of one workload, summarized as throughput and percentiles.
public struct LatencySummary: Sendable {
    public var operations: Int
    public var seconds: Double
    public var p50: Duration
    public var p99: Duration

    public var operationsPerSecond: Double { seconds > 0 ? Double(operations) / seconds : 0 }

    public init(samples: [Duration], seconds: Double) {
        let sorted = samples.sorted()
        operations = sorted.count
        self.seconds = seconds
        p50 = percentile(sorted, 0.50, isSorted: true) ?? .zero
        p99 = percentile(sorted, 0.99, isSorted: true) ?? .zero
    }
}

extension Duration {
    /// Milliseconds with two decimals, for tables.
    public var milliseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}

/// A plain-text table with right-aligned numeric columns.
public struct TextTable: Sendable {
    public var header: [String]
    public var rows: [[String]] = []

    public init(header: [String]) { self.header = header }

    public mutating func add(_ row: [String]) { rows.append(row) }

    public func render() -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                let pad = String(repeating: " ", count: widths[index] - cell.count)
                return index == 0 ? cell + pad : pad + cell
            }.joined(separator: "  ")
        }
        let rule = widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")
        return ([line(header), rule] + rows.map(line)).joined(separator: "\n")
    }
}

public func format(_ value: Double, decimals: Int = 1) -> String {
    var text = String(Int((value * pow10(decimals)).rounded()))
    if decimals > 0 {
        while text.count <= decimals { text = "0" + text }
        text.insert(".", at: text.index(text.endIndex, offsetBy: -decimals))
    }
    return text
}

private func pow10(_ n: Int) -> Double { (0..<n).reduce(1.0) { value, _ in value * 10 } }
