package dev.choreo.registry;

import io.apicurio.common.apps.config.DynamicConfigPropertyList;
import javax.enterprise.context.ApplicationScoped;
import javax.enterprise.inject.Produces;

/**
 * Supplies the list of runtime-editable registry settings. Apicurio normally generates it at build time
 * with its config-index Quarkus extension, whose deployment module is not published to Maven Central,
 * so this build offers none: every setting is read from application.properties at start-up instead.
 */
@ApplicationScoped
public class DynamicConfigPropertiesProducer {
  @Produces
  @ApplicationScoped
  DynamicConfigPropertyList dynamicConfigProperties() {
    return new DynamicConfigPropertyList(new java.util.ArrayList<>());
  }
}
