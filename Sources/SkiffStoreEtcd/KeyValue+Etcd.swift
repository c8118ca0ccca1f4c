import Foundation
import SkiffStore

extension KeyValue {
    init(_ kv: Mvccpb_KeyValue) {
        self.init(
            key: String(decoding: kv.key, as: UTF8.self),
            value: [UInt8](kv.value),
            createRevision: kv.createRevision,
            modRevision: kv.modRevision
        )
    }
}

extension String {
    var etcdKey: Data { Data(utf8) }
}

extension Etcdserverpb_RangeRequest {
    /// The cheapest linearizable read: counts the single key "\0" (never a valid Skiff key) and
    /// returns the current revision in its header.
    static var revisionProbe: Self {
        var request = Self()
        request.key = Data([0])
        request.countOnly = true
        return request
    }
}
