/// Checks every backend applies before a write, so all backends refuse the same input the same way.
public struct StoreLimits: Sendable, Equatable {
    /// etcd's default maximum request size is 1.5 MiB.
    public static let defaultValueSizeLimit = 3 * 512 * 1024
    public var valueSizeLimit: Int

    public init(valueSizeLimit: Int = StoreLimits.defaultValueSizeLimit) {
        self.valueSizeLimit = valueSizeLimit
    }

    public func check(key: String) throws(StoreError) {
        if key.isEmpty { throw .invalidKey("key must not be empty") }
        if key.utf8.count > 4096 { throw .invalidKey("key longer than 4096 bytes") }
        if key.utf8.contains(0) { throw .invalidKey("key must not contain NUL") }
    }

    public func check(key: String, value: [UInt8]) throws(StoreError) {
        try check(key: key)
        if value.count > valueSizeLimit { throw .valueTooLarge(size: value.count, limit: valueSizeLimit) }
    }
}

extension String {
    /// The smallest byte string greater than every key with this prefix (etcd's "range end"
    /// for a prefix), or nil when the prefix is empty or all 0xFF (meaning "to the end").
    /// Bytes, not a String: the result need not be valid UTF-8.
    package var prefixRangeEnd: [UInt8]? {
        var bytes = Array(utf8)
        while let last = bytes.last {
            if last < 0xFF {
                bytes[bytes.count - 1] = last + 1
                return bytes
            }
            bytes.removeLast()
        }
        return nil
    }

    /// Byte-wise prefix test (String.hasPrefix compares by canonical equivalence, keys compare by bytes).
    package func hasKeyPrefix(_ prefix: String) -> Bool {
        utf8.starts(with: prefix.utf8)
    }

    /// Byte-wise ordering, the order etcd and SQLite's BINARY collation use.
    package func keyPrecedes(_ other: String) -> Bool {
        utf8.lexicographicallyPrecedes(other.utf8)
    }
}
