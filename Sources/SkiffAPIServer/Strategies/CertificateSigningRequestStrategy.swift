import SkiffAPI

/// CertificateSigningRequests: a new request keeps the status it was created with; approval is
/// a write of the whole object through the approval subresource (served generically).
struct CertificateSigningRequestStrategy: ResourceStrategy {
    func prepareForCreate(_ object: inout JSONValue, resource r: ResourceInfo) {}
}
