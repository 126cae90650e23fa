import Foundation

/// A first-in-first-out queue between threads: `take` waits for an element or for `close`.
/// Taking is O(1) amortised (an array with a read position, compacted now and then). Used where
/// blocking work must stay off Swift's cooperative threads (the emulator's store threads, the
/// language server's reader).
public final class BlockingQueue<Element>: @unchecked Sendable {  // state guarded by `condition`
    private let condition = NSCondition()
    private var elements: [Element] = []
    private var head = 0
    private var closed = false

    /// An empty queue.
    public init() {}

    /// Adds `element` and wakes one waiting taker.
    public func put(_ element: Element) {
        condition.lock()
        elements.append(element)
        condition.signal()
        condition.unlock()
    }

    /// The next element; nil once the queue is closed and empty.
    public func take() -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while head == elements.count, !closed { condition.wait() }
        guard head < elements.count else { return nil }
        let element = elements[head]
        head += 1
        if head == elements.count || head >= 4096 {
            elements.removeFirst(head)
            head = 0
        }
        return element
    }

    /// No more elements will come: waiting takers return the rest, then nil.
    public func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }
}
