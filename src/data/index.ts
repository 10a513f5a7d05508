// The `datasets` namespace: built-in and loadable data sets.
export { digits } from './digits.js';
export { TensorDataset, DataLoader, randomSplit, type Batch, type DataLoaderOptions, type TrainTest } from './dataset.js';
export { idx, fashionMnist, parseIdx, type IdxArray } from './idx.js';
export * as transforms from './transforms.js';
export { imageFolder, imageFolderFromFiles, ImageFolderDataset, type ImageFolderOptions } from './image_folder.js';
