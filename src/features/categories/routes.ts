import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../app-env.ts";
import { actorOf } from "../../lib/actor.ts";
import { etagOf, versionFromIfMatch } from "../../lib/etag.ts";
import {
  IdempotencyKey,
  IfMatch,
  jsonBody,
  jsonContent,
  problemResponses,
  validationHook,
} from "../../lib/openapi.ts";
import { authenticate } from "../../middleware/authenticate.ts";
import { idempotent } from "../../middleware/idempotency.ts";
import { rateLimit } from "../../middleware/rate-limit.ts";
import { requireRole } from "../../middleware/require-role.ts";
import { bearerOrApiKey } from "../api-keys/scopes.ts";
import {
  Category,
  CategoryList,
  CategoryListQuery,
  CategoryRef,
  CreateCategory,
  UpdateCategory,
} from "./schemas.ts";
import * as categoriesService from "./service.ts";

const tags = ["Categories"];

const list = createRoute({
  method: "get",
  path: "/",
  tags,
  security: bearerOrApiKey("teams:read"),
  summary: "List categories alphabetically",
  middleware: [authenticate({ scope: "teams:read" }), rateLimit("read", { by: "user" })],
  request: { query: CategoryListQuery },
  responses: {
    200: jsonContent(CategoryList, "A page of categories"),
    ...problemResponses(400, 401, 403, 429, 503),
  },
});

const create = createRoute({
  method: "post",
  path: "/",
  tags,
  security: bearerOrApiKey("teams:write"),
  summary: "Create a category",
  description:
    "Admins and managers; a manager may set `defaultTeamId` only to a team they lead (403 `not_team_lead` naming it).",
  middleware: [
    authenticate({ scope: "teams:write" }),
    rateLimit("write", { by: "user" }),
    requireRole("admin", "manager"),
    idempotent(),
  ],
  request: { headers: IdempotencyKey, body: jsonBody(CreateCategory) },
  responses: {
    201: jsonContent(Category, "The new category"),
    ...problemResponses(400, 401, 403, 409, 413, 415, 422, 429, 503),
  },
});

const getOne = createRoute({
  method: "get",
  path: "/{id}",
  tags,
  security: bearerOrApiKey("teams:read"),
  summary: "One category",
  middleware: [authenticate({ scope: "teams:read" }), rateLimit("read", { by: "user" })],
  request: { params: CategoryRef },
  responses: {
    200: jsonContent(Category, "The category"),
    ...problemResponses(400, 401, 403, 404, 429, 503),
  },
});

const update = createRoute({
  method: "patch",
  path: "/{id}",
  tags,
  security: bearerOrApiKey("teams:write"),
  summary: "Change a category (JSON Merge Patch)",
  description:
    "A new parent that would make the category its own ancestor is 409 with the `cycle`. A category routed to a team (`defaultTeamId`) is changed or deleted only by admins and that team's leads, and a manager routes categories only to teams they lead (403 `not_team_lead`); unrouted categories are shared by all managers.",
  middleware: [
    authenticate({ scope: "teams:write" }),
    rateLimit("write", { by: "user" }),
    requireRole("admin", "manager"),
  ],
  request: { params: CategoryRef, headers: IfMatch, body: jsonBody(UpdateCategory) },
  responses: {
    200: jsonContent(Category, "The updated category"),
    ...problemResponses(400, 401, 403, 404, 409, 412, 413, 415, 429, 503),
  },
});

const remove = createRoute({
  method: "delete",
  path: "/{id}",
  tags,
  security: bearerOrApiKey("teams:write"),
  summary: "Delete a category without sub-categories",
  description:
    "409 while sub-categories exist. Its tickets keep no category; skills in it are removed. A category routed to a team (`defaultTeamId`) is changed or deleted only by admins and that team's leads, and a manager routes categories only to teams they lead (403 `not_team_lead`); unrouted categories are shared by all managers.",
  middleware: [
    authenticate({ scope: "teams:write" }),
    rateLimit("write", { by: "user" }),
    requireRole("admin", "manager"),
  ],
  request: { params: CategoryRef, headers: IfMatch },
  responses: { 204: { description: "Deleted" }, ...problemResponses(400, 401, 403, 404, 409, 412, 429, 503) },
});

export const categoriesRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(list, async (c) =>
    c.json(await categoriesService.listCategories(c.var.deps, c.req.valid("query")), 200),
  )
  .openapi(create, async (c) => {
    const category = await categoriesService.createCategory(c.var.deps, actorOf(c), c.req.valid("json"));
    c.header("Location", `/v1/categories/${category.id}`);
    c.header("ETag", etagOf(category.version));
    return c.json(category, 201);
  })
  .openapi(getOne, async (c) => {
    const category = await categoriesService.getCategory(c.var.deps, c.req.valid("param").id);
    c.header("ETag", etagOf(category.version));
    return c.json(category, 200);
  })
  .openapi(update, async (c) => {
    const expectedVersion = versionFromIfMatch(c.req.valid("header")["if-match"]);
    const category = await categoriesService.updateCategory(
      c.var.deps,
      actorOf(c),
      c.req.valid("param").id,
      c.req.valid("json"),
      expectedVersion,
    );
    c.header("ETag", etagOf(category.version));
    return c.json(category, 200);
  })
  .openapi(remove, async (c) => {
    const expectedVersion = versionFromIfMatch(c.req.valid("header")["if-match"]);
    await categoriesService.deleteCategory(c.var.deps, actorOf(c), c.req.valid("param").id, expectedVersion);
    return c.body(null, 204);
  });
