/// Strategic merge patch, as the API server applies it (apimachinery `StrategicMergeMapPatch` with
/// MergeParallelList and IgnoreUnmatchedNulls): lists marked `x-kubernetes-patch-strategy: merge`
/// merge by their `x-kubernetes-patch-merge-key` (or, for primitive lists, as sets); other lists and
/// `replace` fields are replaced. Directives: `$patch: replace|delete` on maps and list elements,
/// `$setElementOrder/<field>`, `$retainKeys`, `$deleteFromPrimitiveList/<field>` — exactly the forms
/// kubectl's client-side apply and `kubectl patch --type strategic` send.
public enum StrategicMergePatch {
    /// Applies `patch` (a JSON object) to `document` for a kind in `catalog`.
    /// Throws `.unsupportedMediaType` for kinds without a schema (custom resources, like Kubernetes'
    /// 415), `.badRequest` when the patch is not an object, `.invalid` when a directive or list is malformed.
    public static func apply(_ patch: JSONValue, to document: JSONValue, kind: GroupVersionKind,
                             catalog: SchemaCatalog = .shared) throws(PatchError) -> JSONValue {
        guard let definition = catalog.definition(for: kind) else {
            throw PatchError("the body of the request was in an unknown format - accepted media types include: "
                + "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
                reason: .unsupportedMediaType)
        }
        guard case .object(let patchFields) = patch else {
            throw PatchError("a strategic merge patch must be a JSON object", reason: .badRequest)
        }
        let original = document.objectValue ?? [:]
        let meta = PatchMeta(catalog: catalog, node: .definition(definition))
        return .object(try StrategicMerger().mergeMap(original, patchFields, meta))
    }
}

let directiveMarker = "$patch"
let retainKeysDirective = "$retainKeys"
let deleteFromPrimitiveListPrefix = "$deleteFromPrimitiveList"
let setElementOrderPrefix = "$setElementOrder"

/// The merge itself; a port of apimachinery's strategicpatch apply path over `JSONValue`.
struct StrategicMerger {
    func mergeMap(_ originalIn: [String: JSONValue], _ patchIn: [String: JSONValue], _ meta: PatchMeta) throws(PatchError) -> [String: JSONValue] {
        if let directive = patchIn[directiveMarker] {
            return try handleDirectiveInMergeMap(directive, patchIn)
        }
        var original = originalIn
        var patch = patchIn
        try applyRetainKeysDirective(&original, &patch)
        try mergePatchIntoOriginal(&original, &patch, meta)

        for key in patch.keys.sorted() {
            guard let patchValue = patch[key] else { continue }
            var k = key
            var isDeleteList = false
            if key.hasPrefix(deleteFromPrimitiveListPrefix) {
                k = try extractKey(key, prefix: deleteFromPrimitiveListPrefix)
                isDeleteList = true
            }
            if case .null = patchValue {
                original.removeValue(forKey: k)
                continue
            }
            guard let originalValue = original[k], GoKind(originalValue) == GoKind(patchValue) else {
                if !isDeleteList {
                    if let cleaned = removeDirectives(discardNullValues(patchValue)) {
                        original[k] = cleaned
                    } else {
                        original.removeValue(forKey: k)
                    }
                }
                continue
            }
            switch (originalValue, patchValue) {
            case (.object(let o), .object(let p)):
                let field = try meta.lookup(k)
                let strategy = try extractRetainKeysPatchStrategy(field.strategies).strategy
                original[k] = .object(strategy == "replace" ? p : try mergeMap(o, p, field.meta))
            case (.array(let o), .array(let p)):
                let field = try meta.lookup(k)
                let strategy = try extractRetainKeysPatchStrategy(field.strategies).strategy
                original[k] = .array(try mergeSliceHandler(o, p, field.meta, strategy, field.mergeKey, isDeleteList))
            default:
                original[k] = patchValue
            }
        }
        return original
    }

    private func handleDirectiveInMergeMap(_ directive: JSONValue, _ patch: [String: JSONValue]) throws(PatchError) -> [String: JSONValue] {
        switch directive.stringValue {
        case "replace":
            var p = patch
            p.removeValue(forKey: directiveMarker)
            return p
        case "delete":
            return [:]
        default:
            throw PatchError("unknown patch type: \(directive.briefDescription) in map: \(JSONValue.object(patch).briefDescription)")
        }
    }

    private func extractKey(_ key: String, prefix: String) throws(PatchError) -> String {
        let parts = key.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0] == prefix else {
            throw PatchError(prefix == setElementOrderPrefix
                ? "invalid patch format of setElementOrder list" : "invalid patch format of primitive list")
        }
        return String(parts[1])
    }

    /// `$retainKeys`: clear keys of `original` missing from the list; every key the patch sets must be listed.
    private func applyRetainKeysDirective(_ original: inout [String: JSONValue], _ patch: inout [String: JSONValue]) throws(PatchError) {
        guard let retain = patch.removeValue(forKey: retainKeysDirective) else { return }
        guard case .array(let list) = retain else { throw PatchError("invalid patch format of retainKeys") }
        var keep = Set<String>()
        for item in list {
            if case .string(let s) = item { keep.insert(s) }
        }
        for (k, v) in patch {
            if case .null = v { continue }
            if k.hasPrefix(deleteFromPrimitiveListPrefix) || k.hasPrefix(setElementOrderPrefix) { continue }
            if !keep.contains(k) { throw PatchError("invalid patch format of retainKeys") }
        }
        for k in Array(original.keys) where !keep.contains(k) {
            original.removeValue(forKey: k)
        }
    }

    /// `$setElementOrder/<field>`: merge that list now and order it by the directive, then the live order.
    private func mergePatchIntoOriginal(_ original: inout [String: JSONValue], _ patch: inout [String: JSONValue], _ meta: PatchMeta) throws(PatchError) {
        for key in patch.keys.sorted() where key.hasPrefix(setElementOrderPrefix) {
            guard let directive = patch.removeValue(forKey: key) else { continue }
            guard case .array(let setOrder) = directive else {
                throw PatchError("invalid patch format of setElementOrder list")
            }
            let originalKey = try extractKey(key, prefix: setElementOrderPrefix)
            var originalList: [JSONValue] = []
            var patchList: [JSONValue] = []
            let foundOriginal = original[originalKey] != nil
            let foundPatch = patch[originalKey] != nil
            if let v = original[originalKey] {
                guard case .array(let a) = v else { throw badArgType("list", v) }
                originalList = a
            }
            if let v = patch[originalKey] {
                guard case .array(let a) = v else { throw badArgType("list", v) }
                patchList = a
            }
            let field = try meta.lookup(originalKey)
            let strategy = try extractRetainKeysPatchStrategy(field.strategies).strategy
            let mergeKey = field.mergeKey
            try validatePatchWithSetOrderList(patchList, setOrder, mergeKey)

            let merged: [JSONValue]
            switch (foundOriginal, foundPatch) {
            case (true, false): merged = originalList
            case (false, true): merged = patchList.compactMap(removeDirectives)
            case (true, true): merged = try mergeSliceHandler(originalList, patchList, field.meta, strategy, mergeKey, false)
            case (false, false): continue
            }
            guard let kind = try sliceElementKind(originalList, patchList) else {
                original[originalKey] = .array(merged)
                patch.removeValue(forKey: originalKey)
                continue
            }
            let (patchItems, serverOnly) = mergeKey.isEmpty
                ? partitionPrimitives(merged, by: setOrder)
                : try partitionMaps(merged, by: setOrder, mergeKey: mergeKey)
            original[originalKey] = .array(try normalizeElementOrder(patchItems, serverOnly, setOrder, originalList, mergeKey, kind))
            patch.removeValue(forKey: originalKey)
        }
    }

    private func validatePatchWithSetOrderList(_ patchList: [JSONValue], _ setOrder: [JSONValue], _ mergeKey: String) throws(PatchError) {
        if setOrder.isEmpty || patchList.isEmpty { return }
        let nonDelete = mergeKey.isEmpty ? patchList : try extractToDeleteItems(patchList).keep
        var pi = 0
        var si = 0
        while pi < nonDelete.count && si < setOrder.count {
            if nonDelete[pi].objectValue?[directiveMarker] != nil {
                pi += 1
                continue
            }
            if try mergeKeyValueEqual(nonDelete[pi], setOrder[si], mergeKey) { pi += 1 }
            si += 1
        }
        if pi < nonDelete.count && si >= setOrder.count {
            throw PatchError("The order in patch list:\n\(JSONValue.array(patchList).briefDescription)\n doesn't match $setElementOrder list:\n\(JSONValue.array(setOrder).briefDescription)")
        }
    }

    private func mergeKeyValueEqual(_ left: JSONValue, _ right: JSONValue, _ mergeKey: String) throws(PatchError) -> Bool {
        if mergeKey.isEmpty { return left.jsonEquals(right) }
        guard case .object(let l) = left else { throw badArgType("map", left) }
        guard case .object(let r) = right else { throw badArgType("map", right) }
        guard let lv = l[mergeKey] else { throw noMergeKey(left, mergeKey) }
        guard let rv = r[mergeKey] else { throw noMergeKey(right, mergeKey) }
        return lv.jsonEquals(rv)
    }

    func mergeSliceHandler(_ original: [JSONValue], _ patch: [JSONValue], _ meta: PatchMeta, _ strategy: String,
                           _ mergeKey: String, _ isDeleteList: Bool) throws(PatchError) -> [JSONValue] {
        // A $deleteFromPrimitiveList list deletes whatever the field's strategy is.
        guard strategy == "merge" || isDeleteList else { return patch }
        return try mergeSlice(original, patch, meta, mergeKey, isDeleteList)
    }

    private func mergeSlice(_ originalIn: [JSONValue], _ patchIn: [JSONValue], _ meta: PatchMeta, _ mergeKey: String,
                            _ isDeleteList: Bool) throws(PatchError) -> [JSONValue] {
        if originalIn.isEmpty && patchIn.isEmpty { return originalIn }
        guard let kind = try sliceElementKind(originalIn, patchIn) else { return originalIn }
        var original = originalIn
        var patch = patchIn
        let merged: [JSONValue]
        if kind != .map {
            if isDeleteList {
                return original.filter { item in !patch.contains { $0.jsonEquals(item) } }
            }
            merged = deduplicate(original + patch)
        } else {
            if mergeKey.isEmpty { throw PatchError("cannot merge lists without merge key for \(meta.name)") }
            (original, patch) = try mergeSliceWithSpecialElements(original, patch, mergeKey)
            merged = try mergeSliceWithoutSpecialElements(original, patch, mergeKey, meta)
        }
        let (patchItems, serverOnly) = mergeKey.isEmpty
            ? partitionPrimitives(merged, by: patch)
            : try partitionMaps(merged, by: patch, mergeKey: mergeKey)
        return try normalizeElementOrder(patchItems, serverOnly, patch, original, mergeKey, kind)
    }

    /// Handles list elements carrying `$patch` (delete / replace) before the ordinary merge.
    private func mergeSliceWithSpecialElements(_ originalIn: [JSONValue], _ patch: [JSONValue], _ mergeKey: String) throws(PatchError) -> ([JSONValue], [JSONValue]) {
        var original = originalIn
        var plain: [JSONValue] = []
        var replace = false
        for v in patch {
            guard case .object(let m) = v, let directive = m[directiveMarker] else {
                plain.append(v)
                continue
            }
            switch directive.stringValue {
            case "delete":
                guard let mergeValue = m[mergeKey] else { throw noMergeKey(v, mergeKey) }
                for item in original where item.objectValue == nil {
                    throw badArgType("map", item)
                }
                original.removeAll { $0.objectValue?[mergeKey].map { $0.jsonEquals(mergeValue) } ?? false }
            case "replace":
                replace = true
            case "merge":
                throw PatchError("merging lists cannot yet be specified in the patch")
            default:
                throw PatchError("unknown patch type: \(directive.briefDescription) in map: \(v.briefDescription)")
            }
        }
        return replace ? (plain, []) : (original, plain)
    }

    private func mergeSliceWithoutSpecialElements(_ originalIn: [JSONValue], _ patch: [JSONValue], _ mergeKey: String,
                                                  _ meta: PatchMeta) throws(PatchError) -> [JSONValue] {
        var original = originalIn
        for v in patch {
            guard case .object(let m) = v else { throw badArgType("map", v) }
            guard let mergeValue = m[mergeKey] else { throw noMergeKey(v, mergeKey) }
            if let (existing, index) = try findMap(in: original, key: mergeKey, value: mergeValue) {
                original[index] = .object(try mergeMap(existing, m, meta))
            } else if let cleaned = removeDirectives(v) {
                original.append(cleaned)
            }
        }
        return original
    }

    private func findMap(in list: [JSONValue], key: String, value: JSONValue) throws(PatchError) -> ([String: JSONValue], Int)? {
        for (i, item) in list.enumerated() {
            guard case .object(let m) = item else { throw PatchError("value for key \(i) is not a map.") }
            if let v = m[key], v.jsonEquals(value) { return (m, i) }
        }
        return nil
    }

    // MARK: ordering

    private func partitionPrimitives(_ list: [JSONValue], by partitionBy: [JSONValue]) -> ([JSONValue], [JSONValue]) {
        var inPatch: [JSONValue] = []
        var serverOnly: [JSONValue] = []
        for v in list {
            if partitionBy.contains(where: { $0.jsonEquals(v) }) { inPatch.append(v) } else { serverOnly.append(v) }
        }
        return (inPatch, serverOnly)
    }

    private func partitionMaps(_ list: [JSONValue], by partitionBy: [JSONValue], mergeKey: String) throws(PatchError) -> ([JSONValue], [JSONValue]) {
        var inPatch: [JSONValue] = []
        var serverOnly: [JSONValue] = []
        for v in list {
            guard case .object(let m) = v else { throw badArgType("map", v) }
            guard let mergeValue = m[mergeKey] else { throw noMergeKey(v, mergeKey) }
            if try findMap(in: partitionBy, key: mergeKey, value: mergeValue) != nil {
                inPatch.append(v)
            } else {
                serverOnly.append(v)
            }
        }
        return (inPatch, serverOnly)
    }

    /// Sorts patch items by `patchOrder` and server-only items by `serverOrder`, then interleaves them
    /// (apimachinery's normalizeElementOrder + mergeSortedSlice).
    private func normalizeElementOrder(_ patch: [JSONValue], _ serverOnly: [JSONValue], _ patchOrder: [JSONValue],
                                       _ serverOrder: [JSONValue], _ mergeKey: String, _ kind: GoKind) throws(PatchError) -> [JSONValue] {
        let left = try normalizeSliceOrder(serverOnly, serverOrder, mergeKey, kind)
        let right = try normalizeSliceOrder(patch, patchOrder, mergeKey, kind)
        var result: [JSONValue] = []
        result.reserveCapacity(left.count + right.count)
        var i = 0
        var j = 0
        while i < left.count || j < right.count {
            if i >= left.count {
                result.append(right[j]); j += 1
            } else if j >= right.count {
                result.append(left[i]); i += 1
            } else {
                let li = index(of: left[i], in: serverOrder, mergeKey, kind)
                let ri = index(of: right[j], in: serverOrder, mergeKey, kind)
                if let li, let ri, li < ri {
                    result.append(left[i]); i += 1
                } else {
                    result.append(right[j]); j += 1
                }
            }
        }
        return result
    }

    private func normalizeSliceOrder(_ toSortIn: [JSONValue], _ order: [JSONValue], _ mergeKey: String, _ kind: GoKind) throws(PatchError) -> [JSONValue] {
        var toSort = toSortIn
        var toDelete: [JSONValue] = []
        if kind == .map {
            for item in toSort + order {
                guard case .object(let m) = item else { throw badArgType("map", item) }
                if m[mergeKey] == nil { throw noMergeKey(item, mergeKey) }
            }
            (toSort, toDelete) = try extractToDeleteItems(toSort)
        }
        // Stable sort by position in `order`; items not in it keep their relative place at the end.
        let keyed = toSort.enumerated().map { (offset, item) in
            (index(of: item, in: order, mergeKey, kind) ?? Int.max, offset, item)
        }
        let sorted = keyed.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.map(\.2)
        return sorted + toDelete
    }

    private func index(of item: JSONValue, in list: [JSONValue], _ mergeKey: String, _ kind: GoKind) -> Int? {
        if kind == .map {
            let wanted = item.objectValue?[mergeKey] ?? .null
            return list.firstIndex { ($0.objectValue?[mergeKey] ?? .null).jsonEquals(wanted) }
        }
        return list.firstIndex { $0.jsonEquals(item) }
    }

    private func extractToDeleteItems(_ list: [JSONValue]) throws(PatchError) -> (keep: [JSONValue], delete: [JSONValue]) {
        var keep: [JSONValue] = []
        var delete: [JSONValue] = []
        for v in list {
            guard case .object(let m) = v else { throw badArgType("map", v) }
            if m[directiveMarker]?.stringValue == "delete" { delete.append(v) } else { keep.append(v) }
        }
        return (keep, delete)
    }

    private func deduplicate(_ list: [JSONValue]) -> [JSONValue] {
        var result: [JSONValue] = []
        for v in list where !result.contains(where: { $0.jsonEquals(v) }) { result.append(v) }
        return result
    }

    // MARK: helpers

    /// The JSON kinds Go's reflection distinguishes after decoding (numbers are one kind here).
    enum GoKind: Equatable {
        case map, slice, string, number, bool, null
        init(_ v: JSONValue) {
            switch v {
            case .object: self = .map
            case .array: self = .slice
            case .string: self = .string
            case .int, .double: self = .number
            case .bool: self = .bool
            case .null: self = .null
            }
        }
    }

    /// The common element kind of the lists; nil when they have no elements. Lists of lists and
    /// mixed kinds are refused like apimachinery does.
    private func sliceElementKind(_ lists: [JSONValue]...) throws(PatchError) -> GoKind? {
        var kind: GoKind?
        for list in lists {
            for v in list {
                let k = GoKind(v)
                if k == .slice { throw PatchError("lists of lists are not supported") }
                if let existing = kind, existing != k {
                    throw PatchError("list element types are not identical: \(JSONValue.array(lists.flatMap { $0 }).briefDescription)")
                }
                kind = k
            }
        }
        return kind
    }

    /// Drops `null` values inside objects of a value taken as is (apimachinery's discardNullValuesFromPatch).
    private func discardNullValues(_ v: JSONValue) -> JSONValue {
        switch v {
        case .object(let m):
            var out: [String: JSONValue] = [:]
            for (k, x) in m where !x.isNull { out[k] = discardNullValues(x) }
            return .object(out)
        case .array(let a):
            return .array(a.map(discardNullValues))
        default:
            return v
        }
    }

    /// Strips patch directives from a value taken as is: maps carrying `$patch` disappear, and the
    /// parallel-list/retainKeys keys are dropped (apimachinery's removeDirectives, which typed decoding
    /// completes by ignoring the `$` keys).
    private func removeDirectives(_ v: JSONValue) -> JSONValue? {
        switch v {
        case .object(let m):
            if m[directiveMarker] != nil { return nil }
            var out: [String: JSONValue] = [:]
            for (k, x) in m {
                if k == retainKeysDirective || k.hasPrefix(setElementOrderPrefix) || k.hasPrefix(deleteFromPrimitiveListPrefix) {
                    continue
                }
                if let cleaned = removeDirectives(x) { out[k] = cleaned }
            }
            return .object(out)
        case .array(let a):
            return .array(a.compactMap(removeDirectives))
        default:
            return v
        }
    }

    private func badArgType(_ expected: String, _ actual: JSONValue) -> PatchError {
        PatchError("expected a \(expected), but received \(actual.briefDescription)")
    }

    private func noMergeKey(_ map: JSONValue, _ mergeKey: String) -> PatchError {
        PatchError("map: \(map.briefDescription) does not contain declared merge key: \(mergeKey)")
    }
}
