import Testing
@testable import SkiffRuntime

@Suite("Image config combined with Kubernetes command and args", .timeLimit(.minutes(5)))
struct ImageConfigProcessTests {
    let config = ImageConfig(entrypoint: ["/entry"], cmd: ["default", "cmd"], env: ["PATH=/bin", "A=1"])

    @Test("command given runs command plus args and ignores the image's entrypoint and cmd")
    func commandWins() {
        #expect(config.resolveProcess(command: ["/bin/sh", "-c"], args: ["echo hi"]) == ["/bin/sh", "-c", "echo hi"])
        #expect(config.resolveProcess(command: ["/bin/true"], args: []) == ["/bin/true"])
    }

    @Test("only args given runs the image entrypoint with the args")
    func argsOnly() {
        #expect(config.resolveProcess(command: [], args: ["x", "y"]) == ["/entry", "x", "y"])
    }

    @Test("neither given runs the image entrypoint plus cmd")
    func neither() {
        #expect(config.resolveProcess(command: [], args: []) == ["/entry", "default", "cmd"])
        #expect(ImageConfig(cmd: ["sh"]).resolveProcess(command: [], args: []) == ["sh"])
    }

    @Test("container env overrides image env in place and appends new names")
    func environment() {
        let merged = config.mergedEnvironment([(name: "A", value: "2"), (name: "B", value: "3"), (name: "B", value: "4")])
        #expect(merged == ["PATH=/bin", "A=2", "B=4"])
    }
}
