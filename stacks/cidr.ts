// The CIDR arithmetic lives with the components (components/core/cidr.ts); the spec rules use it from here.
export * from "../components/core/cidr";
