import type { OutputKind } from "~/server/providers/types";

/** A model users can pick, with its price in credits per output. */
export type CatalogModel = {
  id: string;
  name: string;
  description: string;
  kind: OutputKind;
  pricePerOutput: number;
};

/**
 * The catalog. Prices are read from here when a job is created and frozen
 * on the job, so a later price change never alters a settled job.
 */
export const catalog: readonly CatalogModel[] = [
  {
    id: "storyteller-v1",
    name: "Storyteller",
    description: "Short stories and scenes from a prompt.",
    kind: "text",
    pricePerOutput: 2,
  },
  {
    id: "canvas-v1",
    name: "Canvas",
    description: "Abstract illustrations, one image per output.",
    kind: "image",
    pricePerOutput: 5,
  },
  {
    id: "pose-pack-v1",
    name: "Pose pack",
    description: "A set of pose reference images.",
    kind: "image",
    pricePerOutput: 3,
  },
] as const;

export function findModel(modelId: string): CatalogModel | undefined {
  return catalog.find((model) => model.id === modelId);
}
