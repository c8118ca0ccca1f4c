import Foundation
import SkiffAPI

/// ControllerRevision helpers shared by the DaemonSet and StatefulSet controllers (upstream
/// `controller.ComputeHash`, `history`).
enum ControllerHistory {
    /// The label on pods and revisions naming the revision (`apps.ControllerRevisionHashLabelKey`).
    static let hashLabel = "controller-revision-hash"

    /// FNV-1a (32 bit) of the template's JSON (sorted keys, so equal templates hash equally)
    /// and the collision count as 4 little-endian bytes, written with upstream's
    /// `rand.SafeEncodeString` alphabet.
    static func hash(template: CoreV1.PodTemplateSpec?, collisionCount: Int32?) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var bytes = Array((try? encoder.encode(template)) ?? Data())
        if let c = collisionCount {
            let u = UInt32(bitPattern: c)
            bytes += [UInt8(u & 0xff), UInt8((u >> 8) & 0xff), UInt8((u >> 16) & 0xff), UInt8(u >> 24)]
        }
        return safeEncode(String(fnv32a(bytes)))
    }

    static func fnv32a(_ bytes: [UInt8]) -> UInt32 {
        var h: UInt32 = 2_166_136_261
        for b in bytes {
            h ^= UInt32(b)
            h = h &* 16_777_619
        }
        return h
    }

    /// `rand.SafeEncodeString`: no vowels (no words), no 0/1/3 (no look-alikes).
    static func safeEncode(_ s: String) -> String {
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        return String(s.utf8.map { alphabet[Int($0) % alphabet.count] })
    }

    /// Revisions controlled by the object with `uid`.
    static func owned(_ revisions: [AppsV1.ControllerRevision], uid: String?) -> [AppsV1.ControllerRevision] {
        revisions.filter { $0.controllerReference?.uid == uid }
    }

    static func maxRevision(_ revisions: [AppsV1.ControllerRevision]) -> Int64 {
        revisions.map { $0.revision ?? 0 }.max() ?? 0
    }

    /// Old revisions to delete beyond `limit`, oldest first, never one a live pod still uses.
    static func toPrune(_ old: [AppsV1.ControllerRevision], liveHashes: Set<String>, limit: Int) -> [String] {
        let unused = old.filter { r in
            !liveHashes.contains(r.metadata?.labels?[hashLabel] ?? "") && !liveHashes.contains(suffix(r))
        }.sorted { ($0.revision ?? 0) < ($1.revision ?? 0) }
        let excess = old.count - max(0, limit)
        guard excess > 0 else { return [] }
        return unused.prefix(excess).compactMap { $0.metadata?.name }
    }

    /// The hash part of a revision named "<owner>-<hash>".
    static func suffix(_ r: AppsV1.ControllerRevision) -> String {
        String((r.metadata?.name ?? "").split(separator: "-").last ?? "")
    }
}
