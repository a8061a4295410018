// Compile-time stub of Stapler's @Exported (tests/consumers/jenkins/README.md).
package org.kohsuke.stapler.export;

public @interface Exported {
    boolean inline() default false;
}
