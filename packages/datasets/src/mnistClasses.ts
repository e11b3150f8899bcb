/** Class names of MNIST and Fashion-MNIST in label order (the IDX files hold only the indices). */
export const MNIST_CLASS_NAMES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
export const FASHION_MNIST_CLASS_NAMES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];
