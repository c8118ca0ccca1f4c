import Foundation
import Synchronization

/// Fans work over indices out to a few child tasks that pull chunks from a shared counter
/// (upstream `parallelize.Until`). With 2 cores, spawning one task per node would cost more than
/// the filters themselves, so the number of tasks is the parallelism, and chunks keep the shared
/// counter cold.
package struct Parallelizer: Sendable {
    package var parallelism: Int

    package init(parallelism: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.parallelism = max(1, parallelism)
    }

    /// Upstream `chunkSizeFor`: √n, at most n/parallelism + 1, at least 1.
    package func chunkSize(for n: Int) -> Int {
        var s = Int(Double(n).squareRoot())
        let r = n / parallelism + 1
        if s > r { s = r }
        return max(1, s)
    }

    /// Calls `body(i)` for i in 0..<count, in parallel; `body` returns false to stop early (the
    /// remaining indices are skipped, those in flight finish). Runs inline when there is little work.
    package func run(count: Int, inlineBelow: Int = 64, _ body: @escaping @Sendable (Int) -> Bool) async {
        if count <= 0 { return }
        if parallelism == 1 || count < inlineBelow {
            for i in 0 ..< count where !body(i) { return }
            return
        }
        let chunk = chunkSize(for: count)
        let chunks = (count + chunk - 1) / chunk
        let control = Control()
        let workers = min(parallelism, chunks)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0 ..< workers {
                group.addTask {
                    while !control.stopped.load(ordering: .relaxed) {
                        let c = control.next.add(1, ordering: .relaxed).oldValue
                        if c >= chunks { return }
                        let end = min(count, (c + 1) * chunk)
                        for i in c * chunk ..< end {
                            if !body(i) {
                                control.stopped.store(true, ordering: .relaxed)
                                return
                            }
                        }
                    }
                }
            }
        }
    }

    private final class Control: Sendable {
        let next = Atomic<Int>(0)
        let stopped = Atomic<Bool>(false)
    }
}

/// A fixed-size buffer that concurrent tasks write at distinct indices (each index has exactly
/// one writer, and nobody reads until the writers have finished). Freed by `release()`.
package struct SharedBuffer<Element>: @unchecked Sendable {
    package let base: UnsafeMutableBufferPointer<Element>

    package init(count: Int, repeating value: Element) {
        base = .allocate(capacity: max(count, 1))
        base.initialize(repeating: value)
    }

    package subscript(i: Int) -> Element {
        get { base[i] }
        nonmutating set { base[i] = newValue }
    }

    package func release() {
        base.deinitialize()
        base.deallocate()
    }
}
