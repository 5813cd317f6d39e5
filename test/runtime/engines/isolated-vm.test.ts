import { IsolatedVmEngine } from '../../../src/runtime/engines/isolated-vm/engine.ts';
import { runEngineSuite } from './engine-suite.ts';

runEngineSuite('isolated-vm (in process)', () => new IsolatedVmEngine());
runEngineSuite('isolated-vm (in process, synchronous dispatch)', () => new IsolatedVmEngine({ syncDispatch: true }));
