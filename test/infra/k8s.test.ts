/**
 * The Kubernetes and KEDA manifests parse and carry what a GPU deployment that scales
 * to zero needs: GPU requests, probes on the readiness server, resource limits, and a
 * ScaledObject on sglang:num_queue_reqs with a wake-up and a day/night rule.
 */
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { filesUnder, k8sDoc, k8sDocs, repoPath } from "./repo-files";

const CRON_FIELD = /^(\*|\d+(-\d+)?(,\d+(-\d+)?)*)(\/\d+)?$/;

describe("infra/k8s", () => {
  it("every YAML file parses and every object has apiVersion, kind and a name", () => {
    const files = filesUnder("infra/k8s", ".yaml");
    expect(files.length).toBeGreaterThanOrEqual(8);
    for (const file of files) {
      for (const doc of k8sDocs(file.replace(/^infra\/k8s\//, ""))) {
        expect(doc.apiVersion, file).toBeTypeOf("string");
        expect(doc.kind, file).toBeTypeOf("string");
        if (doc.kind !== "Kustomization")
          expect(doc.metadata?.name, file).toBeTypeOf("string");
      }
    }
  });

  it("kustomization lists every manifest, and only existing ones", () => {
    const kustomization = k8sDoc("kustomization.yaml", "Kustomization");
    const listed = [...kustomization.resources].sort();
    const onDisk = filesUnder("infra/k8s", ".yaml")
      .map((f) => f.replace(/^infra\/k8s\//, ""))
      .filter((f) => f !== "kustomization.yaml");
    expect(listed).toEqual(onDisk.sort());
    for (const file of listed)
      expect(existsSync(repoPath("infra", "k8s", file))).toBe(true);
    const image = kustomization.images[0];
    expect(image.name).toBe("qwen3-embedding-worker");
    expect(image.newTag).not.toBe("latest");
  });

  it("the Deployment requests one GPU, limits memory, probes /ready and /live and mounts shm", () => {
    const deployment = k8sDoc("deployment.yaml", "Deployment");
    expect(deployment.spec.replicas).toBeUndefined(); // KEDA owns it
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0];
    expect(container.resources.limits["nvidia.com/gpu"]).toBe("1");
    expect(container.resources.requests["nvidia.com/gpu"]).toBe("1");
    expect(container.resources.limits.memory).toMatch(/^\d+Gi$/);
    expect(container.startupProbe.httpGet.path).toBe("/ready");
    expect(container.readinessProbe.httpGet.path).toBe("/ready");
    expect(container.livenessProbe.httpGet.path).toBe("/live");
    // A cold start (8 GB of weights) must fit in the startup probe's budget.
    expect(
      container.startupProbe.periodSeconds *
        container.startupProbe.failureThreshold,
    ).toBeGreaterThanOrEqual(600);
    expect(
      container.env.find((e: any) => e.name === "SGLANG_API_KEY").valueFrom
        .secretKeyRef.name,
    ).toBe("qwen3-embedding-worker");
    expect(
      container.env.find((e: any) => e.name === "HF_HUB_OFFLINE").value,
    ).toBe("1");
    expect(container.volumeMounts.map((m: any) => m.mountPath)).toEqual(
      expect.arrayContaining(["/models", "/dev/shm"]),
    );
    const products =
      pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution
        .nodeSelectorTerms[0].matchExpressions[0];
    expect(products.key).toBe("nvidia.com/gpu.product");
    expect(products.values).toEqual(
      expect.arrayContaining(["NVIDIA-L4", "NVIDIA-A10"]),
    );
  });

  it("the Service selects the Deployment's pods", () => {
    const deployment = k8sDoc("deployment.yaml", "Deployment");
    const service = k8sDoc("service.yaml", "Service");
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
    expect(deployment.spec.template.metadata.labels).toMatchObject(
      service.spec.selector,
    );
  });

  describe("ScaledObject", () => {
    const scaled = k8sDoc("scaledobject.yaml", "ScaledObject");
    const trigger = (type: string, name: string): any =>
      scaled.spec.triggers.find((t: any) => t.type === type && t.name === name);

    it("targets the Deployment and scales to zero", () => {
      expect(scaled.apiVersion).toBe("keda.sh/v1alpha1");
      expect(scaled.spec.scaleTargetRef.name).toBe(
        k8sDoc("deployment.yaml", "Deployment").metadata.name,
      );
      expect(scaled.spec.minReplicaCount).toBe(0);
      expect(scaled.spec.maxReplicaCount).toBeGreaterThan(1);
      expect(scaled.spec.cooldownPeriod).toBeGreaterThan(0);
    });

    it("scales on SGLang's queue metric through Prometheus", () => {
      const queue = trigger("prometheus", "sglang-queue");
      expect(queue.metadata.query).toContain("sglang:num_queue_reqs");
      expect(queue.metadata.serverAddress).toMatch(/^https?:\/\//);
      expect(Number(queue.metadata.threshold)).toBeGreaterThan(0);
      expect(queue.metadata.activationThreshold).toBe("0");
    });

    it("has a trigger whose metric exists at zero replicas, to wake up", () => {
      const wake = trigger("prometheus", "gateway-demand");
      expect(wake.metadata.query).not.toContain("sglang:");
      expect(wake.metadata.query).toContain("or vector(0)");
      expect(wake.metadata.activationThreshold).toBe("0");
    });

    it("has a business-hours cron floor with valid cron expressions", () => {
      const cron = trigger("cron", "business-hours");
      expect(cron.metadata.timezone).toBeTypeOf("string");
      expect(Number(cron.metadata.desiredReplicas)).toBeGreaterThan(
        scaled.spec.minReplicaCount,
      );
      for (const expr of [cron.metadata.start, cron.metadata.end]) {
        const fields = String(expr).split(" ");
        expect(fields).toHaveLength(5);
        for (const field of fields) expect(field).toMatch(CRON_FIELD);
      }
    });
  });
});
