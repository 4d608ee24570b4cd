import type { ServiceName } from "../config/services";
import type { ContainerFile, FilesForService } from "../stacks/plan";

/** Monitoring provisioning files uploaded into a container (placeholder until issue 6 lands). */
export const monitoringFiles: FilesForService = (_service: ServiceName): ContainerFile[] => [];
