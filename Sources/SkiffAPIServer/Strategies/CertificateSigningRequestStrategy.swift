import SkiffAPI

/// CertificateSigningRequests: a new request keeps the status it was created with; approval is
/// a write of the whole object through the approval subresource (served generically).
struct CertificateSigningRequestStrategy: ResourceStrategy {
    func prepareForCreate(_ object: inout JSONValue, resource r: ResourceInfo) {}

    var selectableFields: [String] { ["spec.signerName"] }

    func selectableFieldValues(_ o: JSONValue) -> [String: String] { ["spec.signerName": o.text("spec", "signerName")] }
}
