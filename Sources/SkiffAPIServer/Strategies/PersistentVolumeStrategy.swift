import SkiffAPI

/// PersistentVolumes: start Pending, with the time of that phase.
struct PersistentVolumeStrategy: ResourceStrategy {
    func prepareForCreate(_ object: inout JSONValue, resource r: ResourceInfo) {
        object["status"] = .object(["phase": .string("Pending"), "lastPhaseTransitionTime": .string(Timestamp.now())])
    }
}

/// PersistentVolumeClaims: start Pending.
struct PersistentVolumeClaimStrategy: ResourceStrategy {
    func prepareForCreate(_ object: inout JSONValue, resource r: ResourceInfo) {
        object["status"] = .object(["phase": .string("Pending")])
    }
}
