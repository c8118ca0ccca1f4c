import Testing
@testable import SkiffScheduler

@Suite("KubeSchedulerConfiguration", .timeLimit(.minutes(2)))
struct ConfigurationTests {
    @Test("an empty configuration is the default profile")
    func defaults() throws {
        let c = try SchedulerConfiguration.parse(yaml: "apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n")
        #expect(c.profiles == [Profile()])
        #expect(c.profiles[0].weight(.taintToleration) == 3)
        #expect(c.podInitialBackoffSeconds == 1)
        #expect(c.podMaxBackoffSeconds == 10)
    }

    @Test("profiles set names, weights, disabled plugins, percentageOfNodesToScore and plugin args")
    func profiles() throws {
        let yaml = """
        apiVersion: kubescheduler.config.k8s.io/v1
        kind: KubeSchedulerConfiguration
        percentageOfNodesToScore: 30
        profiles:
        - schedulerName: default-scheduler
          plugins:
            score:
              enabled:
              - name: NodeResourcesBalancedAllocation
                weight: 5
              disabled:
              - name: ImageLocality
            filter:
              disabled:
              - name: NodePorts
        - schedulerName: packer
          percentageOfNodesToScore: 100
          plugins:
            multiPoint:
              disabled:
              - name: DefaultPreemption
          pluginConfig:
          - name: NodeResourcesFit
            args:
              scoringStrategy:
                type: MostAllocated
                resources:
                - name: cpu
                  weight: 2
          - name: InterPodAffinity
            args:
              hardPodAffinityWeight: 10
        """
        let c = try SchedulerConfiguration.parse(yaml: yaml)
        #expect(c.profiles.map(\.schedulerName) == ["default-scheduler", "packer"])
        let first = c.profiles[0]
        #expect(first.weight(.nodeResourcesBalancedAllocation) == 5)
        #expect(first.weight(.imageLocality) == 0)
        #expect(!first.runs(.nodePorts))
        #expect(first.runs(.nodeResourcesFit))
        #expect(first.percentageOfNodesToScore == 30)
        let packer = c.profiles[1]
        #expect(!packer.preemption)
        #expect(packer.percentageOfNodesToScore == 100)
        #expect(packer.scoringStrategy == .mostAllocated)
        #expect(packer.fitResources == [Profile.ResourceWeight(name: "cpu", weight: 2)])
        #expect(packer.hardPodAffinityWeight == 10)
    }

    @Test("malformed configurations fail naming the field", arguments: [
        ("apiVersion: v1\nkind: KubeSchedulerConfiguration", "apiVersion"),
        ("apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\npercentageOfNodesToScore: 101", "percentageOfNodesToScore"),
        ("apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nbogus: 1", "bogus"),
        ("apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nprofiles:\n- schedulerName: a\n  plugins:\n    score:\n      enabled:\n      - name: NoSuchPlugin",
         "profiles[0].plugins.score.enabled[0].name"),
        ("apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nprofiles:\n- plugins:\n    score:\n      enabled:\n      - name: ImageLocality\n        weight: -3",
         "profiles[0].plugins.score.enabled[0].weight"),
        ("apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nprofiles:\n- schedulerName: a\n- schedulerName: a", "profiles[1].schedulerName"),
        ("apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nprofiles:\n- pluginConfig:\n  - name: NodeResourcesFit\n    args:\n      scoringStrategy:\n        type: Random",
         "profiles[0].pluginConfig[0].args.scoringStrategy.type"),
        ("{{{", "<document>"),
    ])
    func malformed(_ yaml: String, _ field: String) {
        #expect {
            _ = try SchedulerConfiguration.parse(yaml: yaml)
        } throws: { error in
            (error as? ConfigurationError)?.field == field
        }
    }
}
