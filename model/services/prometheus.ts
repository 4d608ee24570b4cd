import { SERVICES } from "../../config/services";
import type { ServiceModule } from "./module";

export const prometheus: ServiceModule = {
  name: "prometheus",
  spec: SERVICES.prometheus,
  component: "cdb:infra:Prometheus",
  env: () => ({}),
};
