import SkiffAPIServer
import SkiffClient

// Owned by the client library work (issue 8 §1).
extension InProcessTransport {
    /// SkiffClient's in-process transport on `APIServer.handle`: components inside `skiff
    /// server` talk to the API server exactly as over HTTPS, without a socket. `user` is who
    /// the requests run as (nil: the server's insecure user, if any).
    static func serving(_ server: APIServer, user: UserInfo?) -> InProcessTransport {
        InProcessTransport { request in
            let api = APIRequest(method: request.method, uri: request.uri, headers: request.headers, body: request.body, user: user)
            switch await server.handle(api) {
            case .full(let status, let headers, let body):
                return ClientResponse(status: status, headers: headers, body: .bytes(body))
            case .stream(let status, let headers, let chunks):
                return ClientResponse(status: status, headers: headers, body: .streaming(chunks))
            }
        }
    }
}
