package dev.vectis.migrations.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.List;
import java.util.Map;

/** The parts of a pod spec a platform team sets for the operator's Jobs. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PodTemplate {
  @JsonPropertyDescription("Labels added to the Jobs' pods.")
  public Map<String, String> labels;

  @JsonPropertyDescription("Annotations added to the Jobs' pods.")
  public Map<String, String> annotations;

  @JsonPropertyDescription("Service account of the Jobs' pods.")
  public String serviceAccountName;

  @JsonPropertyDescription("Secrets used to pull the images.")
  public List<LocalObjectReference> imagePullSecrets;

  @JsonPropertyDescription("Node selector of the Jobs' pods.")
  public Map<String, String> nodeSelector;

  @JsonPropertyDescription("Tolerations of the Jobs' pods.")
  public List<Toleration> tolerations;

  @JsonPropertyDescription("Affinity of the Jobs' pods.")
  public Affinity affinity;

  @JsonPropertyDescription("Resources of the Jobs' containers.")
  public ResourceRequirements resources;

  @JsonPropertyDescription("Extra environment variables of the Jobs' containers.")
  public List<EnvVar> env;

  @JsonPropertyDescription("Extra environment sources of the Jobs' containers.")
  public List<EnvFromSource> envFrom;

  @JsonPropertyDescription("Priority class of the Jobs' pods.")
  public String priorityClassName;
}
