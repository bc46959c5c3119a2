/** CORS_ALLOWED_ORIGINS: the origin list and how configFrom takes it (fails closed on anything but exact origins). */
import { describe, expect, it } from "vitest";
import { configFrom, parseOriginList } from "../../../workers/env";

const GPU = { GPU_WORKER_URLS: "http://127.0.0.1:1" };

describe("parseOriginList", () => {
  it("reads * and lists of exact origins", () => {
    expect(parseOriginList("*")).toBe("*");
    expect(parseOriginList(" * ")).toBe("*");
    expect(
      parseOriginList("https://app.example.com, http://localhost:3000,"),
    ).toEqual(["https://app.example.com", "http://localhost:3000"]);
    expect(parseOriginList("https://app.example.com:8443")).toEqual([
      "https://app.example.com:8443",
    ]);
  });

  // Each is something a browser never sends as Origin, so a match could never happen or would be too wide.
  it.each([
    "",
    ",",
    "app.example.com",
    "https://app.example.com/",
    "https://app.example.com/path",
    "https://APP.example.com",
    "*.example.com",
    "*, https://a.example",
    "ftp://files.example",
    "https://a.example:443",
    "null",
  ])("refuses %j", (text) => {
    expect(parseOriginList(text)).toBeNull();
  });

  it("defaults to * and fails the configuration closed, naming the variable", () => {
    expect(configFrom({ ...GPU }).corsAllowedOrigins).toBe("*");
    expect(
      configFrom({
        ...GPU,
        CORS_ALLOWED_ORIGINS: "https://a.example,https://b.example",
      }).corsAllowedOrigins,
    ).toEqual(["https://a.example", "https://b.example"]);
    expect(() =>
      configFrom({ ...GPU, CORS_ALLOWED_ORIGINS: "https://a.example/" }),
    ).toThrow("invalid configuration: CORS_ALLOWED_ORIGINS");
  });
});
