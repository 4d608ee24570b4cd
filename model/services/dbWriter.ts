import { SERVICES } from "../../config/services";
import { APP_COMPONENT, appEnv, type ServiceModule } from "./module";

export const dbWriter: ServiceModule = {
  name: "db_writer",
  spec: SERVICES.db_writer,
  component: APP_COMPONENT,
  env: ({ cfg }) => ({ ...appEnv(cfg) }),
};
