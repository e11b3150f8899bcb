import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@synaptogen/neurons';

tf.env().set('PROD', true);
