package dev.vectis.migrations.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** A database that must be at an Alembic revision, migrated by the image that holds the scripts. */
@Group(SchemaMigration.GROUP)
@Version(SchemaMigration.VERSION)
@Kind("SchemaMigration")
@ShortNames("smig")
@AdditionalPrinterColumn(name = "Current", jsonPath = ".status.currentRevision",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Target", jsonPath = ".status.targetRevision",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Reason", jsonPath = ".status.conditions[?(@.type==\"Ready\")].reason",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class SchemaMigration extends CustomResource<SchemaMigrationSpec, SchemaMigrationStatus>
    implements Namespaced {
  public static final String GROUP = "migrations.vectis.dev";
  public static final String VERSION = "v1alpha1";
  /** Approves the plan whose status.pendingPlan.planHash is the annotation's value. */
  public static final String APPROVE_ANNOTATION = GROUP + "/approve";
}
