/// The nearest-rank percentile of `samples` (`fraction` in 0...1): the smallest sample with at
/// least that fraction of all samples at or below it. Nil when there are no samples. Pass
/// `isSorted` when `samples` is sorted ascending already.
func percentile<Sample: Comparable>(_ samples: [Sample], _ fraction: Double, isSorted: Bool = false) -> Sample? {
    guard !samples.isEmpty else { return nil }
    let sorted = isSorted ? samples : samples.sorted()
    let rank = Int((fraction * Double(sorted.count)).rounded(.up)) - 1
    return sorted[min(max(rank, 0), sorted.count - 1)]
}
