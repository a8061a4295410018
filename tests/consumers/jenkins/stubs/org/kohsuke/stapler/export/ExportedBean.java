// Compile-time stub of Stapler's @ExportedBean (tests/consumers/jenkins/README.md).
package org.kohsuke.stapler.export;

public @interface ExportedBean {
}
