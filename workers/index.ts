// The Worker's exports and nothing else.
import { newApp } from "./app";

export default newApp();
