import type { FastifyInstance } from "fastify";
import { paginate, type Query } from "../http.ts";
import { PRODUCTS } from "../products.ts";

export function registerProductRoutes(app: FastifyInstance): void {
  app.get("/api/v1/issuing/products", async (req) => paginate([...PRODUCTS], req.query as Query));
}
