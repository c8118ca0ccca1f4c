// TEMPORARY: replaced by Images/ImageService.swift at merge
import Foundation

public struct ImageConfig: Sendable, Equatable, Codable {
    public var entrypoint: [String]
    public var cmd: [String]
    public var env: [String]
    public var workingDir: String
    public var user: String
    public var exposedPorts: [String]
    public var labels: [String: String]
    public init(entrypoint: [String] = [], cmd: [String] = [], env: [String] = [], workingDir: String = "", user: String = "",
                exposedPorts: [String] = [], labels: [String: String] = [:]) {
        self.entrypoint = entrypoint; self.cmd = cmd; self.env = env; self.workingDir = workingDir; self.user = user
        self.exposedPorts = exposedPorts; self.labels = labels
    }
}

public struct ImageRecord: Sendable, Equatable {
    public var id: String
    public var repoTags: [String]
    public var repoDigests: [String]
    public var size: Int64
    public var config: ImageConfig
    public var layerDirectories: [String]
    public init(id: String, repoTags: [String], repoDigests: [String], size: Int64, config: ImageConfig, layerDirectories: [String]) {
        self.id = id; self.repoTags = repoTags; self.repoDigests = repoDigests; self.size = size; self.config = config
        self.layerDirectories = layerDirectories
    }
}

public struct RegistryCredentials: Sendable {
    public var username: String?
    public var password: String?
    public var bearerToken: String?
    public init(username: String? = nil, password: String? = nil, bearerToken: String? = nil) {
        self.username = username; self.password = password; self.bearerToken = bearerToken
    }
}

public protocol ImageService: Sendable {
    func pullImage(_ reference: String, credentials: RegistryCredentials?) async throws -> ImageRecord
    func importImage(from path: String) async throws -> [ImageRecord]
    func imageStatus(_ reference: String) async throws -> ImageRecord?
    func listImages() async throws -> [ImageRecord]
    func removeImage(_ reference: String) async throws
}

extension ImageConfig {
    public func resolveProcess(command: [String], args: [String]) -> [String] {
        if !command.isEmpty { return command + args }
        if !args.isEmpty { return entrypoint + args }
        return entrypoint + cmd
    }
}
