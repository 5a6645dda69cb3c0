import { describe, it } from "vitest";
import { expectSelfContainedDocs } from "../support/docs-page.ts";
import { workerFetch } from "./support/requests.ts";

describe("the API reference page inside workerd", () => {
  it("serves /docs with only same-origin URLs, its script from the Worker's static assets", async () => {
    await expectSelfContainedDocs((path) => workerFetch(path));
  });
});
