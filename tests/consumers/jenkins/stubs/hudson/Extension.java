// Compile-time stub of Jenkins core's @Extension (tests/consumers/jenkins/README.md).
package hudson;

public @interface Extension {
    boolean optional() default false;
}
