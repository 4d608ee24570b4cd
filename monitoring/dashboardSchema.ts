// JSON Schema for the parts of a dashboard model Grafana needs to load and
// render it. Deliberately not Grafana's full schema: it pins what our
// generator must get right, and stays readable.

const gridPos = {
  type: "object",
  required: ["x", "y", "w", "h"],
  properties: {
    x: { type: "integer", minimum: 0, maximum: 23 },
    y: { type: "integer", minimum: 0 },
    w: { type: "integer", minimum: 1, maximum: 24 },
    h: { type: "integer", minimum: 1 },
  },
} as const;

const target = {
  type: "object",
  required: ["refId", "expr"],
  properties: { refId: { type: "string", minLength: 1 }, expr: { type: "string", minLength: 1 } },
} as const;

export const DASHBOARD_SCHEMA = {
  $schema: "http://json-schema.org/draft-07/schema#",
  type: "object",
  required: ["uid", "title", "panels", "schemaVersion"],
  properties: {
    // Grafana rejects uids longer than 40 characters.
    uid: { type: "string", minLength: 1, maxLength: 40, pattern: "^[a-zA-Z0-9_-]+$" },
    title: { type: "string", minLength: 1 },
    schemaVersion: { type: "integer", minimum: 1 },
    panels: {
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        required: ["id", "title", "type", "targets", "gridPos"],
        properties: {
          id: { type: "integer", minimum: 1 },
          title: { type: "string", minLength: 1 },
          type: { type: "string", enum: ["timeseries", "stat", "gauge", "table", "state-timeline", "row"] },
          targets: { type: "array", minItems: 1, items: target },
          gridPos,
        },
      },
    },
  },
} as const;
